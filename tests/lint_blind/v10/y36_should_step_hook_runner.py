# expect: TVL011
# style: runner with overridable hooks, policy-gradient RL
# bug: PGRunner.should_step() returns False when the gradient norm is above max_norm and the base runner then skips optimizer.step() without counting it anywhere.
import argparse
import logging
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger("train")


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default="runs/exp")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--log-every", type=int, default=50)
    if extra is not None:
        extra(p)
    return p.parse_args()


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def save_checkpoint(state, out_dir, name="last.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    logger.info("saved checkpoint -> %s", path)
    return path


class BaseRunner:
    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer

    def should_step(self):
        return True

    def update(self, loss):
        self.optimizer.zero_grad()
        loss.backward()
        if self.should_step():
            self.optimizer.step()


class PGRunner(BaseRunner):
    def __init__(self, model, optimizer, max_norm=5.0):
        super().__init__(model, optimizer)
        self.max_norm = max_norm

    def should_step(self):
        total = torch.norm(torch.stack([p.grad.norm() for p in self.model.parameters() if p.grad is not None]))
        return bool(total <= self.max_norm)


class Policy(nn.Module):
    def __init__(self, obs_dim=4, n_act=2):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, n_act))

    def forward(self, obs):
        return torch.distributions.Categorical(logits=self.net(obs))


def run_episode(policy, max_len=200):
    obs = torch.randn(4)
    logps, rewards = [], []
    for t in range(max_len):
        dist = policy(obs)
        a = dist.sample()
        logps.append(dist.log_prob(a))
        rewards.append(1.0)
        obs = obs + 0.1 * torch.randn(4) + (a.float() - 0.5) * 0.05
        if obs.abs().max() > 2.4:
            break
    return torch.stack(logps), rewards


def returns_to_go(rewards, gamma=0.99):
    g, out = 0.0, []
    for r in reversed(rewards):
        g = r + gamma * g
        out.append(g)
    ret = torch.tensor(out[::-1])
    return (ret - ret.mean()) / (ret.std() + 1e-8)


def main():
    args = parse_args()
    set_seed(args.seed)
    policy = Policy()
    runner = PGRunner(policy, torch.optim.Adam(policy.parameters(), lr=1e-2))
    lengths = []
    for ep in range(1000):
        logps, rewards = run_episode(policy)
        loss = -(logps * returns_to_go(rewards)).sum()
        runner.update(loss)
        lengths.append(len(rewards))
        if ep % 50 == 0:
            logger.info("episode %d mean_len %.1f", ep, np.mean(lengths[-50:]))
    save_checkpoint({"policy": policy.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
