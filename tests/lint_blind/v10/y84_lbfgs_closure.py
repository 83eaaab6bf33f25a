# expect: clean
# style: physics-informed network trained with L-BFGS closure
# note: There is no zero_grad() next to optimizer.step(closure), but the closure itself calls optimizer.zero_grad() before backward().
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


class PINN(nn.Module):
    def __init__(self, hidden=32, depth=4):
        super().__init__()
        layers, d = [], 2
        for _ in range(depth):
            layers += [nn.Linear(d, hidden), nn.Tanh()]
            d = hidden
        layers.append(nn.Linear(d, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x, t):
        return self.net(torch.cat([x, t], 1))


def pde_residual(model, x, t, nu=0.01 / np.pi):
    x.requires_grad_(True)
    t.requires_grad_(True)
    u = model(x, t)
    u_t, u_x = torch.autograd.grad(u.sum(), (t, x), create_graph=True)
    u_xx = torch.autograd.grad(u_x.sum(), x, create_graph=True)[0]
    return u_t + u * u_x - nu * u_xx


args = parse_args()
set_seed(args.seed)
model = PINN()
x_f, t_f = torch.rand(2000, 1) * 2 - 1, torch.rand(2000, 1)
x_0 = torch.rand(200, 1) * 2 - 1
u_0 = -torch.sin(np.pi * x_0)
optimizer = torch.optim.LBFGS(model.parameters(), lr=1.0, max_iter=50, history_size=50, line_search_fn="strong_wolfe")
history = []


def closure():
    optimizer.zero_grad()
    loss_f = pde_residual(model, x_f.clone(), t_f.clone()).pow(2).mean()
    loss_0 = F.mse_loss(model(x_0, torch.zeros_like(x_0)), u_0)
    loss = loss_f + loss_0
    loss.backward()
    return loss


for it in range(args.epochs):
    model.train()
    loss = optimizer.step(closure)
    history.append(loss.item())
    logger.info("outer iter %d loss %.3e", it, loss.item())
save_checkpoint({"model": model.state_dict(), "history": history}, args.out_dir)
