# expect: TVL001
# style: CleanRL-like single-file actor-critic on a toy gridworld
# bug: collect_rollout computes the actor's log-probs under torch.no_grad() and update() reuses them for the policy loss, so only the critic (which is recomputed with grad) is ever trained.
import argparse
import random
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class GridWorld:
    def __init__(self, size=6, max_steps=40):
        self.size, self.max_steps = size, max_steps

    def reset(self):
        self.pos = [0, 0]
        self.goal = [self.size - 1, self.size - 1]
        self.t = 0
        return self._obs()

    def _obs(self):
        o = np.zeros(self.size * self.size * 2, dtype=np.float32)
        o[self.pos[0] * self.size + self.pos[1]] = 1.0
        o[self.size * self.size + self.goal[0] * self.size + self.goal[1]] = 1.0
        return o

    def step(self, a):
        dr, dc = [(-1, 0), (1, 0), (0, -1), (0, 1)][a]
        self.pos[0] = min(max(self.pos[0] + dr, 0), self.size - 1)
        self.pos[1] = min(max(self.pos[1] + dc, 0), self.size - 1)
        self.t += 1
        done = self.pos == self.goal or self.t >= self.max_steps
        r = 1.0 if self.pos == self.goal else -0.01
        return self._obs(), r, done


class Actor(nn.Module):
    def __init__(self, obs_dim, n_act, hidden=64):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, n_act))

    def forward(self, obs):
        return Categorical(logits=self.net(obs))


class Critic(nn.Module):
    def __init__(self, obs_dim, hidden=64):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, 1))

    def forward(self, obs):
        return self.net(obs).squeeze(-1)


def collect_rollout(env, actor, n_steps):
    obs_buf, act_buf, logp_buf, rew_buf, done_buf = [], [], [], [], []
    obs = env.reset()
    ep_returns, ep_ret = [], 0.0
    for _ in range(n_steps):
        o = torch.as_tensor(obs)
        with torch.no_grad():
            dist = actor(o)
            a = dist.sample()
        logp_buf.append(dist.log_prob(a))
        obs_buf.append(o)
        act_buf.append(a)
        obs, r, done = env.step(a.item())
        ep_ret += r
        rew_buf.append(r)
        done_buf.append(float(done))
        if done:
            ep_returns.append(ep_ret)
            ep_ret = 0.0
            obs = env.reset()
    return (torch.stack(obs_buf), torch.stack(act_buf), torch.stack(logp_buf),
            torch.tensor(rew_buf), torch.tensor(done_buf), ep_returns)


def discounted_returns(rewards, dones, gamma):
    out = torch.zeros_like(rewards)
    running = 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running * (1.0 - dones[t])
        out[t] = running
    return out


def update(actor, critic, optimizer, batch, gamma, vf_coef, ent_coef):
    obs, acts, logps, rews, dones, _ = batch
    returns = discounted_returns(rews, dones, gamma)
    values = critic(obs)
    adv = (returns - values).detach()
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    policy_loss = -(logps * adv).mean()
    value_loss = 0.5 * (returns - values).pow(2).mean()
    loss = policy_loss + vf_coef * value_loss
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(list(actor.parameters()) + list(critic.parameters()), 0.5)
    optimizer.step()
    return policy_loss.item(), value_loss.item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--iters", type=int, default=300)
    p.add_argument("--n-steps", type=int, default=256)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    random.seed(args.seed); np.random.seed(args.seed); torch.manual_seed(args.seed)

    env = GridWorld()
    obs_dim = env.size * env.size * 2
    actor, critic = Actor(obs_dim, 4), Critic(obs_dim)
    optimizer = torch.optim.Adam(list(actor.parameters()) + list(critic.parameters()), lr=args.lr)
    t0 = time.time()
    for it in range(args.iters):
        batch = collect_rollout(env, actor, args.n_steps)
        pl, vl = update(actor, critic, optimizer, batch, args.gamma, 0.5, 0.01)
        if it % 20 == 0:
            rets = batch[-1]
            mean_ret = float(np.mean(rets)) if rets else float("nan")
            print(f"iter {it} ret {mean_ret:.3f} pl {pl:.3f} vl {vl:.3f} ({time.time() - t0:.0f}s)")


if __name__ == "__main__":
    main()
