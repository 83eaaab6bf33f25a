# expect: TVL007
# style: hook-based trainer, audio autoencoder
# bug: CosineAnnealingLR is built with T_max=epochs but is stepped from the LRSchedulerHook.after_iter hook, i.e. once per batch.
# ---- utils (copied from the project's common/ folder) ----
import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger(__file__)
logger.addHandler(logging.StreamHandler(sys.stdout))
logger.setLevel(logging.INFO)


def set_seed(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def parse_args(extra=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out-dir", default="checkpoints")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--log-every", type=int, default=100)
    if extra is not None:
        extra(ap)
    return ap.parse_args()


class AverageMeter:
    """Tracks a running average of a python number."""

    def __init__(self, name=""):
        self.name = name
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / self.count if self.count else 0.0

    def __repr__(self):
        return f"{self.name}={self.avg:.4f}"


def save_checkpoint(state, out_dir, name="model.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    return path


class Timer:
    def __enter__(self):
        self.t0 = time.time()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.time() - self.t0


class Hook:
    def before_epoch(self, trainer): pass
    def after_iter(self, trainer): pass
    def after_epoch(self, trainer): pass


class LRSchedulerHook(Hook):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_iter(self, trainer):
        self.scheduler.step()


class CheckpointHook(Hook):
    def after_epoch(self, trainer):
        save_checkpoint({"model": trainer.model.state_dict(), "epoch": trainer.epoch}, trainer.out_dir)


class ConvAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv1d(1, 16, 9, 4, 4), nn.ReLU(), nn.Conv1d(16, 32, 9, 4, 4), nn.ReLU())
        self.dec = nn.Sequential(nn.ConvTranspose1d(32, 16, 8, 4, 2), nn.ReLU(), nn.ConvTranspose1d(16, 1, 8, 4, 2))

    def forward(self, x):
        return self.dec(self.enc(x))


class Trainer:
    def __init__(self, model, optimizer, loader, out_dir, hooks):
        self.model, self.optimizer, self.loader = model, optimizer, loader
        self.out_dir, self.hooks = out_dir, hooks
        self.epoch = 0
        self.iter = 0

    def call(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train(self, epochs):
        for self.epoch in range(epochs):
            self.model.train()
            self.call("before_epoch")
            for (wav,) in self.loader:
                recon = self.model(wav)
                loss = F.l1_loss(recon, wav)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                self.iter += 1
                self.call("after_iter")
            logger.info("epoch %d loss %.4f lr %.2e", self.epoch, loss.item(), self.optimizer.param_groups[0]["lr"])
            self.call("after_epoch")


def main():
    args = parse_args()
    set_seed(args.seed)
    wavs = torch.randn(800, 1, 16000)
    loader = DataLoader(TensorDataset(wavs), batch_size=args.batch_size, shuffle=True)
    model = ConvAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs, eta_min=1e-6)
    trainer = Trainer(model, optimizer, loader, args.out_dir, [LRSchedulerHook(scheduler), CheckpointHook()])
    trainer.train(args.epochs)


if __name__ == "__main__":
    main()
