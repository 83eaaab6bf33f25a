# expect: TVL001
# style: research RL script (REINFORCE on a toy env), rollout buffer
# bug: log-probs used in the policy loss are computed inside the rollout's torch.no_grad() block and never recomputed, so the only path to the loss is through no_grad.
import argparse
import logging
import random

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical

logger = logging.getLogger("reinforce")


class ToyEnv:
    """Tiny corridor env: move left/right, reward at the right end."""

    def __init__(self, length=10, max_steps=50):
        self.length = length
        self.max_steps = max_steps

    def reset(self):
        self.pos = 0
        self.t = 0
        return self._obs()

    def _obs(self):
        o = np.zeros(self.length, dtype=np.float32)
        o[self.pos] = 1.0
        return o

    def step(self, action):
        self.t += 1
        self.pos = max(0, min(self.length - 1, self.pos + (1 if action == 1 else -1)))
        done = self.pos == self.length - 1 or self.t >= self.max_steps
        reward = 1.0 if self.pos == self.length - 1 else -0.01
        return self._obs(), reward, done


class Policy(nn.Module):
    def __init__(self, obs_dim, n_actions, hidden=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(obs_dim, hidden), nn.Tanh(),
            nn.Linear(hidden, hidden), nn.Tanh(),
            nn.Linear(hidden, n_actions),
        )

    def forward(self, obs):
        return self.net(obs)


class Rollout:
    def __init__(self):
        self.log_probs, self.rewards = [], []

    def add(self, log_prob, reward):
        self.log_probs.append(log_prob)
        self.rewards.append(reward)

    def returns(self, gamma):
        out, g = [], 0.0
        for r in reversed(self.rewards):
            g = r + gamma * g
            out.append(g)
        out.reverse()
        ret = torch.tensor(out, dtype=torch.float32)
        return (ret - ret.mean()) / (ret.std() + 1e-8)


@torch.no_grad()
def collect_episode(env, policy):
    buf = Rollout()
    obs = env.reset()
    done = False
    while not done:
        logits = policy(torch.from_numpy(obs).unsqueeze(0))
        dist = Categorical(logits=logits)
        action = dist.sample()
        obs, reward, done = env.step(action.item())
        buf.add(dist.log_prob(action).squeeze(0), reward)
    return buf


def update(policy, optimizer, buf, gamma):
    returns = buf.returns(gamma)
    log_probs = torch.stack(buf.log_probs)
    loss = -(log_probs * returns).sum()
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(policy.parameters(), 1.0)
    optimizer.step()
    return loss.item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--episodes", type=int, default=500)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)
    random.seed(args.seed)
    torch.manual_seed(args.seed)

    env = ToyEnv()
    policy = Policy(env.length, 2)
    optimizer = torch.optim.Adam(policy.parameters(), lr=args.lr)
    recent = []
    for ep in range(args.episodes):
        buf = collect_episode(env, policy)
        loss = update(policy, optimizer, buf, args.gamma)
        recent.append(sum(buf.rewards))
        if (ep + 1) % 50 == 0:
            logger.info("ep %d  loss %.3f  avg return %.3f", ep + 1, loss, np.mean(recent[-50:]))


if __name__ == "__main__":
    main()
