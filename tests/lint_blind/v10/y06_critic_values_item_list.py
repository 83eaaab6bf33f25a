# expect: TVL002
# style: RL, CleanRL-style value regression
# bug: collect_rollout stores critic values with .item() into a python list; update() re-wraps them with torch.tensor, so the value loss has no path to the critic.
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


class Critic(nn.Module):
    def __init__(self, obs_dim):
        super().__init__()
        self.v = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))

    def forward(self, obs):
        return self.v(obs).squeeze(-1)


class FakeEnv:
    def __init__(self, obs_dim=8):
        self.obs_dim = obs_dim

    def reset(self):
        return np.random.randn(self.obs_dim).astype("float32")

    def step(self, action):
        return np.random.randn(self.obs_dim).astype("float32"), float(np.random.rand()), np.random.rand() < 0.02


def collect_rollout(env, critic, n_steps):
    obs = env.reset()
    values, rewards, dones = [], [], []
    for _ in range(n_steps):
        v = critic(torch.as_tensor(obs).unsqueeze(0))
        values.append(v.item())
        obs, r, d = env.step(np.random.randint(4))
        rewards.append(r)
        dones.append(d)
        if d:
            obs = env.reset()
    return values, rewards, dones


def discounted_returns(rewards, dones, gamma):
    ret, out = 0.0, []
    for r, d in zip(reversed(rewards), reversed(dones)):
        ret = r + gamma * ret * (1.0 - float(d))
        out.append(ret)
    return torch.tensor(out[::-1], dtype=torch.float32)


def update(critic, opt, values, returns):
    v = torch.tensor(values, dtype=torch.float32, requires_grad=True)
    loss = F.mse_loss(v, returns)
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(critic.parameters(), 0.5)
    opt.step()
    return loss.item()


def main():
    args = parse_args()
    set_seed(args.seed)
    env, critic = FakeEnv(), Critic(8)
    opt = torch.optim.Adam(critic.parameters(), lr=args.lr)
    for it in range(200):
        values, rewards, dones = collect_rollout(env, critic, 256)
        returns = discounted_returns(rewards, dones, 0.99)
        loss = update(critic, opt, values, returns)
        if it % 10 == 0:
            logger.info("iter %d value_loss %.4f mean_return %.3f", it, loss, returns.mean().item())


if __name__ == "__main__":
    main()
