# expect: TVL001
# style: CleanRL-like single-file REINFORCE agent with synthetic environment
# bug: the policy log-probs used in the policy-gradient loss are computed inside the inference_mode rollout block and reused for the update.
import argparse
import random
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


@dataclass
class Args:
    seed: int = 1
    total_episodes: int = 300
    gamma: float = 0.99
    lr: float = 3e-3
    obs_dim: int = 8
    n_actions: int = 4
    max_steps: int = 200


class ToyEnv:
    def __init__(self, obs_dim, n_actions, max_steps):
        self.obs_dim, self.n_actions, self.max_steps = obs_dim, n_actions, max_steps

    def reset(self):
        self.t = 0
        self.state = np.random.randn(self.obs_dim).astype(np.float32)
        return self.state

    def step(self, action):
        self.t += 1
        reward = float(self.state[action % self.obs_dim] > 0)
        self.state = np.random.randn(self.obs_dim).astype(np.float32)
        done = self.t >= self.max_steps or random.random() < 0.02
        return self.state, reward, done


class Policy(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, n_actions))

    def forward(self, obs):
        return Categorical(logits=self.net(obs))


def discounted_returns(rewards, gamma):
    out, g = [], 0.0
    for r in reversed(rewards):
        g = r + gamma * g
        out.append(g)
    out.reverse()
    ret = torch.tensor(out, dtype=torch.float32)
    return (ret - ret.mean()) / (ret.std() + 1e-8)


def main():
    args = Args()
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=args.seed)
    args.seed = p.parse_args().seed
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    env = ToyEnv(args.obs_dim, args.n_actions, args.max_steps)
    policy = Policy(args.obs_dim, args.n_actions)
    optimizer = torch.optim.Adam(policy.parameters(), lr=args.lr)

    for episode in range(args.total_episodes):
        obs = env.reset()
        log_probs, rewards = [], []
        # rollout: no autograd bookkeeping needed while interacting with env
        with torch.inference_mode():
            done = False
            while not done:
                dist = policy(torch.from_numpy(obs))
                action = dist.sample()
                log_probs.append(dist.log_prob(action))
                obs, reward, done = env.step(action.item())
                rewards.append(reward)

        returns = discounted_returns(rewards, args.gamma)
        logp = torch.stack(log_probs).clone()
        loss = -(logp * returns).sum()
        optimizer.zero_grad()
        loss.requires_grad_()
        loss.backward()
        optimizer.step()

        if episode % 20 == 0:
            print(f"episode={episode} return={sum(rewards):.1f} len={len(rewards)} loss={loss.item():.3f}")


if __name__ == "__main__":
    main()
