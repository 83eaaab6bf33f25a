# expect: clean
# style: CleanRL-style discrete PPO on a toy environment, rollout under no_grad and recomputed log-probs in the update
# note: the rollout computes actions, log-probs and values under torch.no_grad() (they are only targets/old values), while ppo_update() recomputes log-probs and values with autograd; value predictions are flattened to (B,) before the MSE.
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class CartLike:
    def reset(self):
        self.s = np.random.uniform(-0.05, 0.05, 4).astype(np.float32)
        self.t = 0
        return self.s.copy()

    def step(self, a):
        force = 1.0 if a == 1 else -1.0
        x, xd, th, thd = self.s
        thdd = 9.8 * np.sin(th) - force * np.cos(th)
        xd += 0.02 * force; x += 0.02 * xd; thd += 0.02 * thdd; th += 0.02 * thd
        self.s = np.array([x, xd, th, thd], np.float32)
        self.t += 1
        done = abs(th) > 0.21 or abs(x) > 2.4 or self.t >= 500
        return self.s.copy(), 1.0, done


class Agent(nn.Module):
    def __init__(self, obs=4, act=2):
        super().__init__()
        self.critic = nn.Sequential(nn.Linear(obs, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
        self.actor = nn.Sequential(nn.Linear(obs, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, act))

    def get_value(self, x):
        return self.critic(x).flatten()

    def get_action_and_value(self, x, action=None):
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.get_value(x)


def rollout(env, agent, n, gamma=0.99, lam=0.95):
    obs_b, act_b, logp_b, val_b, rew_b, done_b = [], [], [], [], [], []
    o = env.reset()
    ep_lens, ep_len = [], 0
    for _ in range(n):
        ot = torch.as_tensor(o)[None]
        with torch.no_grad():
            a, logp, _, v = agent.get_action_and_value(ot)
        o2, r, d = env.step(int(a))
        obs_b.append(ot[0]); act_b.append(a[0]); logp_b.append(logp[0]); val_b.append(v[0])
        rew_b.append(r); done_b.append(d)
        ep_len += 1
        o = o2
        if d:
            ep_lens.append(ep_len); ep_len = 0
            o = env.reset()
    vals = torch.stack(val_b)
    adv = torch.zeros(n)
    last = 0.0
    for t in reversed(range(n)):
        nonterm = 0.0 if done_b[t] else 1.0
        nv = vals[t + 1] if t + 1 < n else 0.0
        delta = rew_b[t] + gamma * nv * nonterm - vals[t]
        last = delta + gamma * lam * nonterm * last
        adv[t] = last
    return dict(obs=torch.stack(obs_b), act=torch.stack(act_b), logp=torch.stack(logp_b),
                adv=adv, ret=adv + vals, ep_lens=ep_lens)


def ppo_update(agent, opt, b, epochs=4, mb=128, clip=0.2):
    n = len(b["obs"])
    for _ in range(epochs):
        perm = torch.randperm(n)
        for s in range(0, n, mb):
            idx = perm[s:s + mb]
            _, newlogp, ent, newv = agent.get_action_and_value(b["obs"][idx], b["act"][idx])
            ratio = (newlogp - b["logp"][idx]).exp()
            adv = (b["adv"][idx] - b["adv"][idx].mean()) / (b["adv"][idx].std() + 1e-8)
            pg = torch.max(-adv * ratio, -adv * ratio.clamp(1 - clip, 1 + clip)).mean()
            v_loss = 0.5 * ((newv - b["ret"][idx]) ** 2).mean()
            loss = pg + 0.5 * v_loss - 0.01 * ent.mean()
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
            opt.step()
    return pg.item(), v_loss.item()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=150)
    ap.add_argument("--n-steps", type=int, default=2048)
    args = ap.parse_args()
    torch.manual_seed(0); np.random.seed(0)
    env, agent = CartLike(), Agent()
    opt = torch.optim.Adam(agent.parameters(), lr=2.5e-4, eps=1e-5)
    for it in range(args.iters):
        b = rollout(env, agent, args.n_steps)
        pg, vl = ppo_update(agent, opt, b)
        if it % 10 == 0:
            print(f"iter {it} mean_ep_len {np.mean(b['ep_lens']) if b['ep_lens'] else 0:.1f} pg {pg:.3f} v {vl:.3f}")
