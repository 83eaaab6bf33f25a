# expect: TVL002
# style: CleanRL-like single-file REINFORCE on a toy bandit-grid environment
# bug: select_action stores log_prob.item() and the update re-wraps the floats with torch.tensor, so the policy gets no gradient
import argparse
import random
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class GridEnv:
    """Tiny 5x5 grid: reach the bottom-right corner."""

    def __init__(self, size=5, max_steps=40):
        self.size = size
        self.max_steps = max_steps

    def reset(self):
        self.pos = [0, 0]
        self.t = 0
        return self._obs()

    def _obs(self):
        obs = np.zeros(self.size * self.size, dtype=np.float32)
        obs[self.pos[0] * self.size + self.pos[1]] = 1.0
        return obs

    def step(self, action):
        dr, dc = [(-1, 0), (1, 0), (0, -1), (0, 1)][action]
        self.pos[0] = min(max(self.pos[0] + dr, 0), self.size - 1)
        self.pos[1] = min(max(self.pos[1] + dc, 0), self.size - 1)
        self.t += 1
        done = self.pos == [self.size - 1, self.size - 1]
        reward = 1.0 if done else -0.01
        return self._obs(), reward, done or self.t >= self.max_steps


class Policy(nn.Module):
    def __init__(self, obs_dim, n_actions, hidden=64):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, n_actions))

    def forward(self, obs):
        return self.net(obs)


def select_action(policy, obs):
    logits = policy(torch.as_tensor(obs).unsqueeze(0))
    dist = Categorical(logits=logits)
    action = dist.sample()
    return action.item(), dist.log_prob(action).item()


def discounted_returns(rewards, gamma):
    out, g = [], 0.0
    for r in reversed(rewards):
        g = r + gamma * g
        out.append(g)
    out.reverse()
    ret = torch.tensor(out, dtype=torch.float32)
    return (ret - ret.mean()) / (ret.std() + 1e-8)


def reinforce_loss(log_probs, returns):
    lp = torch.tensor(log_probs, dtype=torch.float32, requires_grad=True)
    return -(lp * returns).sum()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--episodes", type=int, default=2000)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--lr", type=float, default=1e-2)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    env = GridEnv()
    policy = Policy(25, 4)
    optimizer = torch.optim.Adam(policy.parameters(), lr=args.lr)
    start = time.time()
    recent = []
    for ep in range(args.episodes):
        obs, done = env.reset(), False
        log_probs, rewards = [], []
        while not done:
            a, lp = select_action(policy, obs)
            obs, r, done = env.step(a)
            log_probs.append(lp)
            rewards.append(r)
        returns = discounted_returns(rewards, args.gamma)
        loss = reinforce_loss(log_probs, returns)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        recent.append(sum(rewards))
        if (ep + 1) % 100 == 0:
            print(f"ep {ep + 1} mean_return {np.mean(recent[-100:]):.3f} sps {ep / (time.time() - start):.1f}")


if __name__ == "__main__":
    main()
