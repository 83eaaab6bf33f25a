# expect: TVL011
# style: PPO update function in an RL codebase (actor-critic, continuous control)
# bug: ppo_update() computes the total grad norm and, if it exceeds `skip_norm`, zeroes the grads and returns early without stepping -- no counter, no log line, no flag in the returned stats.
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Normal


class ActorCritic(nn.Module):
    def __init__(self, obs_dim, act_dim, hidden=64):
        super().__init__()
        self.pi = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                nn.Linear(hidden, act_dim))
        self.v = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        self.log_std = nn.Parameter(torch.full((act_dim,), -0.5))

    def dist(self, obs):
        return Normal(self.pi(obs), self.log_std.exp())

    def value(self, obs):
        return self.v(obs).squeeze(-1)


def collect(model, n_steps, obs_dim, act_dim):
    obs = torch.randn(n_steps, obs_dim)
    with torch.no_grad():
        d = model.dist(obs)
        act = d.sample()
        logp = d.log_prob(act).sum(-1)
        val = model.value(obs)
    rew = -act.pow(2).sum(-1) + 0.1 * torch.randn(n_steps)
    ret = torch.zeros(n_steps)
    g = 0.0
    for t in reversed(range(n_steps)):
        g = rew[t] + 0.99 * g
        ret[t] = g
    adv = ret - val
    return obs, act, logp, (adv - adv.mean()) / (adv.std() + 1e-8), ret


def ppo_update(model, opt, batch, clip=0.2, vf_coef=0.5, ent_coef=0.0, skip_norm=50.0):
    obs, act, old_logp, adv, ret = batch
    d = model.dist(obs)
    logp = d.log_prob(act).sum(-1)
    ratio = (logp - old_logp).exp()
    pg = -torch.min(ratio * adv, ratio.clamp(1 - clip, 1 + clip) * adv).mean()
    vf = (model.value(obs) - ret).pow(2).mean()
    ent = d.entropy().sum(-1).mean()
    loss = pg + vf_coef * vf - ent_coef * ent
    opt.zero_grad()
    loss.backward()
    total_norm = torch.norm(torch.stack([p.grad.norm() for p in model.parameters() if p.grad is not None]))
    if total_norm > skip_norm:
        opt.zero_grad()
        return {"pg": pg.item(), "vf": vf.item()}
    nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    opt.step()
    return {"pg": pg.item(), "vf": vf.item(), "approx_kl": (old_logp - logp).mean().item()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=200)
    ap.add_argument("--steps", type=int, default=2048)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--mb", type=int, default=64)
    args = ap.parse_args()
    obs_dim, act_dim = 11, 3
    model = ActorCritic(obs_dim, act_dim)
    opt = torch.optim.Adam(model.parameters(), lr=3e-4, eps=1e-5)
    for it in range(args.iters):
        data = collect(model, args.steps, obs_dim, act_dim)
        stats = []
        for _ in range(args.epochs):
            perm = torch.randperm(args.steps)
            for s in range(0, args.steps, args.mb):
                idx = perm[s:s + args.mb]
                stats.append(ppo_update(model, opt, tuple(t[idx] for t in data)))
        if it % 10 == 0:
            print(it, {k: float(np.mean([s[k] for s in stats if k in s])) for k in ("pg", "vf")})


if __name__ == "__main__":
    main()
