# expect: TVL011
# style: PPO (clipped objective) with GAE, OpenAI-baselines/SB3-like update() split into helper functions
# bug: ppo_update() `continue`s past optimizer.step() whenever grads_ok() reports a large gradient norm, with no counter or log of the skipped minibatches
import argparse
import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class ActorCritic(nn.Module):
    def __init__(self, obs_dim, n_act, hidden=64):
        super().__init__()
        self.pi = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, n_act))
        self.v = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def evaluate(self, obs, act):
        dist = Categorical(logits=self.pi(obs))
        return dist.log_prob(act), dist.entropy(), self.v(obs).squeeze(-1)


def grads_ok(model, limit):
    norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
    return torch.isfinite(norm) and norm.item() < limit


def ppo_update(ac, optimizer, batch, args):
    obs, act, logp_old, adv, ret = batch
    n = len(obs)
    for _ in range(args.update_epochs):
        perm = torch.randperm(n)
        for start in range(0, n, args.minibatch):
            idx = perm[start:start + args.minibatch]
            logp, ent, v = ac.evaluate(obs[idx], act[idx])
            ratio = (logp - logp_old[idx]).exp()
            a = (adv[idx] - adv[idx].mean()) / (adv[idx].std() + 1e-8)
            pg = -torch.min(ratio * a, ratio.clamp(1 - args.clip, 1 + args.clip) * a).mean()
            loss = pg + 0.5 * ((v - ret[idx]) ** 2).mean() - args.ent_coef * ent.mean()
            optimizer.zero_grad()
            loss.backward()
            if not grads_ok(ac, args.max_grad_norm_skip):
                continue
            optimizer.step()


def fake_rollout(ac, steps, obs_dim):
    obs = torch.randn(steps, obs_dim)
    with torch.no_grad():
        dist = Categorical(logits=ac.pi(obs))
        act = dist.sample()
        logp = dist.log_prob(act)
        values = ac.v(obs).squeeze(-1)
    rewards = torch.randn(steps)
    adv, last = torch.zeros(steps), 0.0
    for t in reversed(range(steps)):
        nxt = values[t + 1] if t + 1 < steps else 0.0
        delta = rewards[t] + 0.99 * nxt - values[t]
        last = delta + 0.99 * 0.95 * last
        adv[t] = last
    return obs, act, logp, adv, adv + values


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--update_epochs", type=int, default=4)
    ap.add_argument("--minibatch", type=int, default=64)
    ap.add_argument("--clip", type=float, default=0.2)
    ap.add_argument("--ent_coef", type=float, default=0.01)
    ap.add_argument("--max_grad_norm_skip", type=float, default=10.0)
    args = ap.parse_args()
    ac = ActorCritic(8, 4)
    optimizer = torch.optim.Adam(ac.parameters(), lr=3e-4, eps=1e-5)
    for it in range(args.iterations):
        batch = fake_rollout(ac, 2048, 8)
        ppo_update(ac, optimizer, batch, args)
        print(f"iter {it} mean return {batch[4].mean().item():.3f}")
