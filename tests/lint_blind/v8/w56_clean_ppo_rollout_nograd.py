# expect: clean
# style: CleanRL-like PPO for a discrete toy env, rollout storage class and separate update function
# note: actions and old log-probs are collected under torch.no_grad() (looks like TVL001/TVL002), but update() re-evaluates the policy with gradients on the stored observations; the stored log-probs are only constants in the ratio
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class CorridorEnv:
    def __init__(self, length=12):
        self.length = length

    def reset(self):
        self.pos, self.t = 0, 0
        return self._obs()

    def _obs(self):
        o = np.zeros(self.length, dtype=np.float32)
        o[self.pos] = 1
        return o

    def step(self, a):
        self.pos = max(0, min(self.length - 1, self.pos + (1 if a == 1 else -1)))
        self.t += 1
        done = self.pos == self.length - 1 or self.t >= 4 * self.length
        return self._obs(), (1.0 if self.pos == self.length - 1 else -0.01), done


class ActorCritic(nn.Module):
    def __init__(self, obs_dim, n_act):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh())
        self.pi = nn.Linear(64, n_act)
        self.v = nn.Linear(64, 1)

    def forward(self, obs):
        h = self.body(obs)
        return self.pi(h), self.v(h).squeeze(-1)


class Rollout:
    def __init__(self):
        self.obs, self.act, self.logp, self.rew, self.done, self.val = [], [], [], [], [], []

    def add(self, o, a, lp, r, d, v):
        for buf, x in zip((self.obs, self.act, self.logp, self.rew, self.done, self.val), (o, a, lp, r, d, v)):
            buf.append(x)

    def tensors(self):
        return (torch.stack(self.obs), torch.stack(self.act), torch.stack(self.logp),
                torch.tensor(self.rew), torch.tensor(self.done, dtype=torch.float32), torch.stack(self.val))


def collect(env, model, obs, n_steps):
    buf = Rollout()
    for _ in range(n_steps):
        o = torch.from_numpy(obs)
        with torch.no_grad():
            logits, v = model(o)
            dist = Categorical(logits=logits)
            a = dist.sample()
            lp = dist.log_prob(a)
        obs, r, d = env.step(a.item())
        buf.add(o, a, lp, r, d, v)
        if d:
            obs = env.reset()
    return buf, obs


def gae(rew, done, val, last_val, gamma=0.99, lam=0.95):
    adv = torch.zeros_like(rew)
    last = 0.0
    for t in reversed(range(len(rew))):
        nv = last_val if t == len(rew) - 1 else val[t + 1]
        delta = rew[t] + gamma * nv * (1 - done[t]) - val[t]
        last = delta + gamma * lam * (1 - done[t]) * last
        adv[t] = last
    return adv, adv + val


def update(model, optimizer, obs, act, old_logp, adv, ret, epochs=4, mb=64, clip=0.2):
    n = obs.size(0)
    for _ in range(epochs):
        for idx in torch.randperm(n).split(mb):
            logits, v = model(obs[idx])
            dist = Categorical(logits=logits)
            ratio = (dist.log_prob(act[idx]) - old_logp[idx]).exp()
            a = (adv[idx] - adv[idx].mean()) / (adv[idx].std() + 1e-8)
            pg = -torch.min(ratio * a, ratio.clamp(1 - clip, 1 + clip) * a).mean()
            loss = pg + 0.5 * (v - ret[idx]).pow(2).mean() - 0.01 * dist.entropy().mean()
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            optimizer.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--steps", type=int, default=512)
    ap.add_argument("--lr", type=float, default=2.5e-4)
    args = ap.parse_args()
    env = CorridorEnv()
    model = ActorCritic(env.length, 2)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, eps=1e-5)
    obs, t0 = env.reset(), time.time()
    for it in range(args.iters):
        buf, obs = collect(env, model, obs, args.steps)
        o, a, lp, r, d, v = buf.tensors()
        with torch.no_grad():
            _, last_v = model(torch.from_numpy(obs))
        adv, ret = gae(r, d, v, last_v)
        loss = update(model, optimizer, o, a, lp, adv, ret)
        if it % 20 == 0:
            print(f"iter {it} loss {loss:.4f} mean_rew {r.mean().item():.4f} ({time.time() - t0:.0f}s)")
    torch.save(model.state_dict(), "ppo_corridor.pt")


if __name__ == "__main__":
    main()
