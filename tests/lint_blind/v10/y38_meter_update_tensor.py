# expect: TVL012
# style: research repo, point-cloud classifier with shared AverageMeter
# bug: train_epoch() calls meter.update(loss, n) with the loss tensor; AverageMeter.update does self.sum += val * n, so every batch's graph is kept alive.
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


class PointNet(nn.Module):
    def __init__(self, n_cls=40):
        super().__init__()
        self.mlp1 = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU(),
                                  nn.Conv1d(128, 512, 1), nn.BatchNorm1d(512), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.4), nn.Linear(256, n_cls))

    def forward(self, pts):
        return self.head(self.mlp1(pts.transpose(1, 2)).max(-1).values)


def random_rotate(pts):
    theta = torch.rand(pts.size(0)) * 2 * np.pi
    c, s = theta.cos(), theta.sin()
    rot = torch.zeros(pts.size(0), 3, 3)
    rot[:, 0, 0], rot[:, 0, 2], rot[:, 1, 1], rot[:, 2, 0], rot[:, 2, 2] = c, s, 1, -s, c
    return pts @ rot


def train_epoch(model, loader, opt, device):
    model.train()
    meter = AverageMeter("loss")
    for pts, y in loader:
        pts, y = random_rotate(pts).to(device), y.to(device)
        loss = F.cross_entropy(model(pts), y, label_smoothing=0.2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        meter.update(loss, pts.size(0))
    return meter.avg


def test(model, loader, device):
    model.eval()
    correct = n = 0
    with torch.no_grad():
        for pts, y in loader:
            correct += (model(pts.to(device)).argmax(1).cpu() == y).sum().item()
            n += y.numel()
    return correct / n


def main():
    args = parse_args()
    set_seed(args.seed)
    tr = TensorDataset(torch.randn(2000, 1024, 3), torch.randint(0, 40, (2000,)))
    te = TensorDataset(torch.randn(400, 1024, 3), torch.randint(0, 40, (400,)))
    tr_loader = DataLoader(tr, batch_size=args.batch_size, shuffle=True, drop_last=True)
    te_loader = DataLoader(te, batch_size=args.batch_size)
    model = PointNet().to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        loss = train_epoch(model, tr_loader, opt, args.device)
        acc = test(model, te_loader, args.device)
        logger.info("epoch %d loss %.4f acc %.3f", epoch, float(loss), acc)
        save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
