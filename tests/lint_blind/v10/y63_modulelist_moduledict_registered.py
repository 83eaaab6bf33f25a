# expect: clean
# style: multi-domain model with helper-built heads
# note: Blocks and heads are built by helpers that return lists/dicts, but the model wraps them in nn.ModuleList / nn.ModuleDict before storing them.
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


def make_blocks(d, n):
    return [nn.Sequential(nn.Linear(d, d), nn.LayerNorm(d), nn.GELU()) for _ in range(n)]


def make_heads(d, domains):
    return {name: nn.Linear(d, k) for name, k in domains.items()}


class MultiDomain(nn.Module):
    def __init__(self, d_in, d, domains, n_blocks=3):
        super().__init__()
        self.inp = nn.Linear(d_in, d)
        self.blocks = nn.ModuleList(make_blocks(d, n_blocks))
        self.heads = nn.ModuleDict(make_heads(d, domains))
        self._cache = []  # plain list of python floats for debugging, not modules

    def forward(self, x, domain):
        h = self.inp(x)
        for blk in self.blocks:
            h = h + blk(h)
        return self.heads[domain](h)


def main():
    args = parse_args()
    set_seed(args.seed)
    domains = {"books": 5, "movies": 10, "music": 3}
    loaders = {}
    for name, k in domains.items():
        ds = TensorDataset(torch.randn(2000, 32), torch.randint(0, k, (2000,)))
        loaders[name] = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
    model = MultiDomain(32, 128, domains).to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        for name, loader in loaders.items():
            meter = AverageMeter(name)
            for x, y in loader:
                x, y = x.to(args.device), y.to(args.device)
                opt.zero_grad()
                loss = F.cross_entropy(model(x, name), y)
                loss.backward()
                opt.step()
                meter.update(loss.item(), x.size(0))
            logger.info("epoch %d %s loss %.4f", epoch, name, meter.avg)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
