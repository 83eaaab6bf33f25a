# expect: clean
# style: config factory, linear probe on a frozen encoder
# note: The optimizer only sees the head's parameters, but freeze() sets requires_grad=False on every backbone parameter first, so nothing trainable is left out.
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


CFG = {"width": 48, "n_classes": 12, "lr": 0.1, "probe": True}


class Encoder(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, width, 3, 2, 1), nn.ReLU(), nn.Conv2d(width, 2 * width, 3, 2, 1),
                                 nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def forward(self, x):
        return self.net(x)


class Probe(nn.Module):
    def __init__(self, width, n_classes):
        super().__init__()
        self.backbone = Encoder(width)
        self.head = nn.Linear(2 * width, n_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def freeze(module):
    for p in module.parameters():
        p.requires_grad = False
    module.eval()
    return module


def build(cfg):
    model = Probe(cfg["width"], cfg["n_classes"])
    if cfg["probe"]:
        freeze(model.backbone)
        params = model.head.parameters()
    else:
        params = model.parameters()
    opt = torch.optim.SGD(params, lr=cfg["lr"], momentum=0.9)
    return model, opt


def main():
    args = parse_args()
    set_seed(args.seed)
    model, opt = build(CFG)
    model = model.to(args.device)
    ds = TensorDataset(torch.randn(2000, 3, 64, 64), torch.randint(0, 12, (2000,)))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
    for epoch in range(args.epochs):
        model.head.train()
        meter = AverageMeter()
        for x, y in loader:
            x, y = x.to(args.device), y.to(args.device)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            meter.update(loss.item(), x.size(0))
        logger.info("epoch %d loss %.4f", epoch, meter.avg)
    save_checkpoint({"head": model.head.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
