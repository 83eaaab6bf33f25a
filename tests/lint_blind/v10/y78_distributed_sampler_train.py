# expect: clean
# style: DDP-ready research repo, loader built with a sampler
# note: The training DataLoader has no shuffle=True, but it is given a DistributedSampler/RandomSampler (which shuffles) from build_sampler().
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


import torch.distributed as dist
from torch.utils.data import DistributedSampler, RandomSampler


def is_dist():
    return dist.is_available() and dist.is_initialized()


def build_sampler(ds, shuffle):
    if is_dist():
        return DistributedSampler(ds, shuffle=shuffle)
    return RandomSampler(ds) if shuffle else None


def build_train_loader(ds, batch_size, workers=4):
    sampler = build_sampler(ds, shuffle=True)
    return DataLoader(ds, batch_size=batch_size, sampler=sampler, num_workers=workers, pin_memory=True, drop_last=True)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.ReLU(), nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 1000))

    def forward(self, x):
        return self.net(x)


def main():
    args = parse_args()
    set_seed(args.seed)
    ds = TensorDataset(torch.randn(4000, 3, 64, 64), torch.randint(0, 1000, (4000,)))
    loader = build_train_loader(ds, args.batch_size)
    model = Net().to(args.device)
    if is_dist():
        model = nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    for epoch in range(args.epochs):
        if isinstance(loader.sampler, DistributedSampler):
            loader.sampler.set_epoch(epoch)
        model.train()
        meter = AverageMeter()
        for x, y in loader:
            x, y = x.to(args.device), y.to(args.device)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            meter.update(loss.item(), x.size(0))
        if not is_dist() or dist.get_rank() == 0:
            logger.info("epoch %d loss %.4f", epoch, meter.avg)
            save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
