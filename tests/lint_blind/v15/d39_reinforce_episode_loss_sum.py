# expect: TVL012
# style: REINFORCE with baseline on a toy gridworld, script with a log of per-episode losses
# bug: `ep_loss_total += actor_loss + critic_loss` accumulates the graph-carrying tensors across all episodes between log intervals, keeping every episode's graph alive
import argparse
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical


class GridWorld:
    def __init__(self, n=6, seed=0):
        self.n = n
        self.rng = np.random.default_rng(seed)

    def reset(self):
        self.pos = np.array([0, 0])
        self.goal = np.array([self.n - 1, self.n - 1])
        self.t = 0
        return self.obs()

    def obs(self):
        o = np.zeros((2, self.n, self.n), dtype=np.float32)
        o[0, self.pos[0], self.pos[1]] = 1
        o[1, self.goal[0], self.goal[1]] = 1
        return o.ravel()

    def step(self, a):
        moves = [(-1, 0), (1, 0), (0, -1), (0, 1)]
        self.pos = np.clip(self.pos + moves[a], 0, self.n - 1)
        self.t += 1
        done = bool((self.pos == self.goal).all()) or self.t >= 50
        reward = 1.0 if (self.pos == self.goal).all() else -0.02
        return self.obs(), reward, done


class Policy(nn.Module):
    def __init__(self, obs_dim, n_actions=4, hidden=128):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, hidden), nn.ReLU())
        self.pi = nn.Linear(hidden, n_actions)
        self.v = nn.Linear(hidden, 1)

    def forward(self, x):
        h = self.body(x)
        return self.pi(h), self.v(h).squeeze(-1)


parser = argparse.ArgumentParser()
parser.add_argument("--episodes", type=int, default=3000)
parser.add_argument("--gamma", type=float, default=0.98)
parser.add_argument("--lr", type=float, default=3e-3)
parser.add_argument("--log-every", type=int, default=100)
args = parser.parse_args()

torch.manual_seed(0)
env = GridWorld()
policy = Policy(2 * env.n * env.n)
optimizer = torch.optim.Adam(policy.parameters(), lr=args.lr)
recent_returns = deque(maxlen=100)
ep_loss_total = 0.0

for episode in range(1, args.episodes + 1):
    obs = env.reset()
    log_probs, values, rewards, entropies = [], [], [], []
    done = False
    while not done:
        logits, value = policy(torch.from_numpy(obs))
        dist = Categorical(logits=logits)
        action = dist.sample()
        obs, r, done = env.step(action.item())
        log_probs.append(dist.log_prob(action))
        values.append(value)
        entropies.append(dist.entropy())
        rewards.append(r)

    returns, G = [], 0.0
    for r in reversed(rewards):
        G = r + args.gamma * G
        returns.insert(0, G)
    returns = torch.tensor(returns)
    values = torch.stack(values)
    log_probs = torch.stack(log_probs)
    advantage = returns - values.detach()

    actor_loss = -(log_probs * advantage).sum() - 0.01 * torch.stack(entropies).sum()
    critic_loss = F.smooth_l1_loss(values, returns)
    optimizer.zero_grad()
    (actor_loss + critic_loss).backward()
    optimizer.step()

    ep_loss_total += actor_loss + critic_loss
    recent_returns.append(sum(rewards))

    if episode % args.log_every == 0:
        print(f"episode {episode} avg_return {np.mean(recent_returns):.3f} "
              f"avg_loss {ep_loss_total.item() / args.log_every:.4f} len {len(rewards)}")
        ep_loss_total = 0.0

torch.save(policy.state_dict(), "reinforce_grid.pt")
