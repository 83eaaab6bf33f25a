# expect: clean
# style: hook-based trainer with epoch-level LR hook
# note: StepLR is stepped from a hook, but the hook is after_epoch (once per epoch), after all optimizer steps of that epoch.
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


class Hook:
    def after_iter(self, runner): pass
    def after_epoch(self, runner): pass


class EpochLRHook(Hook):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_epoch(self, runner):
        self.scheduler.step()
        logger.info("lr -> %.5f", self.scheduler.get_last_lr()[0])


class TextLogHook(Hook):
    def __init__(self, every):
        self.every = every

    def after_iter(self, runner):
        if runner.iter % self.every == 0:
            logger.info("iter %d loss %.4f", runner.iter, runner.last_loss)


class Runner:
    def __init__(self, model, opt, hooks):
        self.model, self.opt, self.hooks = model, opt, hooks
        self.iter = 0
        self.last_loss = float("nan")

    def run(self, loader, epochs):
        for epoch in range(epochs):
            self.model.train()
            for x, y in loader:
                self.opt.zero_grad()
                loss = F.smooth_l1_loss(self.model(x), y)
                loss.backward()
                self.opt.step()
                self.iter += 1
                self.last_loss = loss.item()
                for h in self.hooks:
                    h.after_iter(self)
            for h in self.hooks:
                h.after_epoch(self)


def main():
    args = parse_args()
    set_seed(args.seed)
    x = torch.randn(5000, 24, 6)
    y = x[:, -6:, 0].clone()
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True)
    model = nn.Sequential(nn.Flatten(), nn.Linear(144, 128), nn.ReLU(), nn.Linear(128, 6))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    Runner(model, opt, [EpochLRHook(sched), TextLogHook(args.log_every)]).run(loader, args.epochs)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
