# expect: clean
# style: CleanRL-like PPO with rollout/update functions, continuous-control toy task
# note: old log-probs, values and advantages are computed under torch.no_grad() during the rollout and used as constants in the update, while the update re-evaluates the policy with gradients, so the PPO loss still reaches the agent.
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Normal


class PointMass:
    """Drive a 1-D point to the origin."""

    def reset(self):
        self.x, self.v = np.random.uniform(-1, 1), 0.0
        self.t = 0
        return np.array([self.x, self.v], dtype=np.float32)

    def step(self, a):
        self.v = 0.9 * self.v + 0.1 * float(np.clip(a, -1, 1))
        self.x += self.v
        self.t += 1
        r = -abs(self.x) - 0.01 * float(a) ** 2
        done = self.t >= 100
        return np.array([self.x, self.v], dtype=np.float32), r, done


class Agent(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.actor = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        self.critic = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        self.log_std = nn.Parameter(torch.zeros(1))

    def dist(self, obs):
        return Normal(self.actor(obs), self.log_std.exp())

    def value(self, obs):
        return self.critic(obs).squeeze(-1)


@torch.no_grad()
def rollout(env, agent, obs, n_steps, gamma=0.99, lam=0.95):
    buf = {k: [] for k in ("obs", "act", "logp", "rew", "done", "val")}
    for _ in range(n_steps):
        o = torch.as_tensor(obs)
        d = agent.dist(o)
        a = d.sample()
        nxt, r, done = env.step(a.item())
        for k, v in zip(buf, (o, a, d.log_prob(a).sum(), r, float(done), agent.value(o))):
            buf[k].append(v)
        obs = env.reset() if done else nxt
    vals = torch.stack(buf["val"])
    last_v = agent.value(torch.as_tensor(obs))
    adv, gae = torch.zeros(n_steps), 0.0
    for t in reversed(range(n_steps)):
        nv = last_v if t == n_steps - 1 else vals[t + 1]
        delta = buf["rew"][t] + gamma * nv * (1 - buf["done"][t]) - vals[t]
        gae = delta + gamma * lam * (1 - buf["done"][t]) * gae
        adv[t] = gae
    batch = dict(obs=torch.stack(buf["obs"]), act=torch.stack(buf["act"]), logp=torch.stack(buf["logp"]),
                 adv=adv, ret=adv + vals)
    return batch, obs


def ppo_update(agent, opt, batch, epochs=10, mb=64, clip=0.2):
    n = batch["obs"].size(0)
    for _ in range(epochs):
        for idx in torch.randperm(n).split(mb):
            d = agent.dist(batch["obs"][idx])
            logp = d.log_prob(batch["act"][idx]).sum(-1)
            ratio = (logp - batch["logp"][idx]).exp()
            adv = batch["adv"][idx]
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            pg = -torch.min(ratio * adv, ratio.clamp(1 - clip, 1 + clip) * adv).mean()
            v_loss = 0.5 * (agent.value(batch["obs"][idx]) - batch["ret"][idx]).pow(2).mean()
            loss = pg + 0.5 * v_loss - 0.001 * d.entropy().mean()
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
            opt.step()
    return pg.item(), v_loss.item()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--steps", type=int, default=1024)
    args = ap.parse_args()
    env, agent = PointMass(), Agent()
    opt = torch.optim.Adam(agent.parameters(), lr=3e-4, eps=1e-5)
    obs = env.reset()
    for it in range(args.iterations):
        batch, obs = rollout(env, agent, obs, args.steps)
        pg, vl = ppo_update(agent, opt, batch)
        if it % 10 == 0:
            print(f"iter {it} pg {pg:.4f} v {vl:.4f} mean return-to-go {batch['ret'].mean().item():.3f}")
