# expect: clean
# style: hand-written Lightning-like loop with training_step/validation_step
# note: The mini-Lightning loop runs validation_step inside the epoch loop under eval(); optimizer steps only happen in the training branch and train() is restored after validation.
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


class LitModule(nn.Module):
    def training_step(self, batch):
        raise NotImplementedError

    def validation_step(self, batch):
        raise NotImplementedError

    def configure_optimizers(self):
        raise NotImplementedError


class LitRegressor(LitModule):
    def __init__(self, d_in=16, lr=1e-3):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 1))
        self.lr = lr

    def forward(self, x):
        return self.net(x).squeeze(-1)

    def training_step(self, batch):
        x, y = batch
        return F.huber_loss(self(x), y)

    def validation_step(self, batch):
        x, y = batch
        return F.l1_loss(self(x), y).item()

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.lr)
        return opt, torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)


class MiniFit:
    def __init__(self, max_epochs):
        self.max_epochs = max_epochs

    def fit(self, module, train_loader, val_loader):
        opt, sched = module.configure_optimizers()
        for epoch in range(self.max_epochs):
            module.train()
            for batch in train_loader:
                opt.zero_grad()
                loss = module.training_step(batch)
                loss.backward()
                opt.step()
            sched.step()
            module.eval()
            with torch.no_grad():
                maes = [module.validation_step(b) for b in val_loader]
            module.train()
            logger.info("epoch %d last_train %.4f val_mae %.4f", epoch, loss.item(), float(np.mean(maes)))


def main():
    args = parse_args()
    set_seed(args.seed)
    x = torch.randn(5000, 16)
    y = x @ torch.randn(16) + 0.1 * torch.randn(5000)
    tr = DataLoader(TensorDataset(x[:4000], y[:4000]), batch_size=args.batch_size, shuffle=True)
    va = DataLoader(TensorDataset(x[4000:], y[4000:]), batch_size=500)
    module = LitRegressor(lr=args.lr)
    MiniFit(args.epochs).fit(module, tr, va)
    save_checkpoint({"model": module.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
