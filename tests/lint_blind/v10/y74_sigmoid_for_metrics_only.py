# expect: clean
# style: multi-label tagging with metrics helper
# note: torch.sigmoid appears next to the loss, but it is only applied inside compute_f1() to detached logits; BCEWithLogitsLoss receives the raw logits.
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


class Tagger(nn.Module):
    def __init__(self, d_in=300, n_tags=50):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, n_tags))

    def forward(self, x):
        return self.net(x)


def compute_f1(logits, targets, thr=0.5):
    preds = (torch.sigmoid(logits.detach()) > thr).float()
    tp = (preds * targets).sum()
    fp = (preds * (1 - targets)).sum()
    fn = ((1 - preds) * targets).sum()
    return (2 * tp / (2 * tp + fp + fn + 1e-8)).item()


def train_epoch(model, loader, crit, opt):
    model.train()
    loss_m, f1_m = AverageMeter(), AverageMeter()
    for x, y in loader:
        logits = model(x)
        loss = crit(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss_m.update(loss.item(), x.size(0))
        f1_m.update(compute_f1(logits, y), x.size(0))
    return loss_m.avg, f1_m.avg


def main():
    args = parse_args()
    set_seed(args.seed)
    x = torch.randn(6000, 300)
    y = (torch.rand(6000, 50) < 0.05).float()
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True)
    model = Tagger()
    crit = nn.BCEWithLogitsLoss()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        loss, f1 = train_epoch(model, loader, crit, opt)
        logger.info("epoch %d loss %.4f micro_f1 %.3f", epoch, loss, f1)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
