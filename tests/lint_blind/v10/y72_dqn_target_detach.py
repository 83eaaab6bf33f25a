# expect: clean
# style: RL, DQN with target network
# note: The TD target is computed from the target network under no_grad and detached, but the loss still flows through q_net(obs).gather(...), which is the trained model.
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


class QNet(nn.Module):
    def __init__(self, obs_dim=6, n_act=3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, n_act))

    def forward(self, x):
        return self.net(x)


class Replay:
    def __init__(self, cap=50000, obs_dim=6):
        self.obs = torch.zeros(cap, obs_dim)
        self.next_obs = torch.zeros(cap, obs_dim)
        self.act = torch.zeros(cap, dtype=torch.long)
        self.rew = torch.zeros(cap)
        self.done = torch.zeros(cap)
        self.cap, self.n, self.i = cap, 0, 0

    def add(self, o, a, r, o2, d):
        self.obs[self.i], self.act[self.i], self.rew[self.i], self.next_obs[self.i], self.done[self.i] = o, a, r, o2, d
        self.i = (self.i + 1) % self.cap
        self.n = min(self.n + 1, self.cap)

    def sample(self, b):
        idx = torch.randint(0, self.n, (b,))
        return self.obs[idx], self.act[idx], self.rew[idx], self.next_obs[idx], self.done[idx]


def td_target(target_net, rew, next_obs, done, gamma):
    with torch.no_grad():
        return (rew + gamma * (1 - done) * target_net(next_obs).max(1).values).detach()


def dqn_update(q_net, target_net, opt, batch, gamma=0.99):
    obs, act, rew, next_obs, done = batch
    q = q_net(obs).gather(1, act[:, None]).squeeze(1)
    loss = F.smooth_l1_loss(q, td_target(target_net, rew, next_obs, done, gamma))
    opt.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(q_net.parameters(), 10.0)
    opt.step()
    return loss.item()


def main():
    args = parse_args()
    set_seed(args.seed)
    q_net, target_net = QNet(), QNet()
    target_net.load_state_dict(q_net.state_dict())
    opt = torch.optim.Adam(q_net.parameters(), lr=1e-4)
    buf = Replay()
    obs = torch.randn(6)
    eps = 1.0
    for step in range(20000):
        if np.random.rand() < eps:
            a = np.random.randint(3)
        else:
            with torch.no_grad():
                a = q_net(obs[None]).argmax(1).item()
        nxt, r, d = torch.randn(6), float(np.random.rand()), float(np.random.rand() < 0.01)
        buf.add(obs, a, r, nxt, d)
        obs = torch.randn(6) if d else nxt
        eps = max(0.05, eps * 0.9995)
        if buf.n >= 1000:
            loss = dqn_update(q_net, target_net, opt, buf.sample(64))
            if step % 1000 == 0:
                target_net.load_state_dict(q_net.state_dict())
                logger.info("step %d loss %.4f eps %.3f", step, loss, eps)
    save_checkpoint({"q_net": q_net.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
