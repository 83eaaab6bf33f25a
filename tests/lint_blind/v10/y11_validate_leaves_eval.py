# expect: TVL004
# style: research repo, ResNet-ish image classifier with dropout
# bug: validate() switches the model to eval(); the epoch loop calls model.train() only once before the loop, so epochs 2+ train in eval mode.
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


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(x + self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class Net(nn.Module):
    def __init__(self, n_cls=100):
        super().__init__()
        self.stem = nn.Conv2d(3, 64, 3, padding=1)
        self.blocks = nn.Sequential(Block(64), Block(64))
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(64, n_cls)

    def forward(self, x):
        h = self.blocks(self.stem(x)).mean((2, 3))
        return self.fc(self.drop(h))


def validate(model, loader, device):
    model.eval()
    loss_m, correct, n = AverageMeter(), 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            out = model(x)
            loss_m.update(F.cross_entropy(out, y).item(), x.size(0))
            correct += (out.argmax(1) == y).sum().item()
            n += y.size(0)
    return loss_m.avg, correct / n


def train_one_epoch(model, loader, opt, device):
    meter = AverageMeter()
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
        loss.backward()
        opt.step()
        meter.update(loss.item(), x.size(0))
    return meter.avg


def main():
    args = parse_args()
    set_seed(args.seed)
    tr = TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 100, (2000,)))
    va = TensorDataset(torch.randn(500, 3, 32, 32), torch.randint(0, 100, (500,)))
    tr_loader = DataLoader(tr, batch_size=args.batch_size, shuffle=True, num_workers=4, pin_memory=True)
    va_loader = DataLoader(va, batch_size=256, num_workers=4)
    model = Net().to(args.device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    best = 0.0
    model.train()
    for epoch in range(args.epochs):
        tl = train_one_epoch(model, tr_loader, opt, args.device)
        vl, acc = validate(model, va_loader, args.device)
        logger.info("epoch %d train %.4f val %.4f acc %.3f", epoch, tl, vl, acc)
        if acc > best:
            best = acc
            save_checkpoint({"model": model.state_dict(), "acc": acc}, args.out_dir, "best.pt")


if __name__ == "__main__":
    main()
