# expect: TVL002
# style: research repo, image segmentation with model wrapper
# bug: SegWrapper.forward returns logits.data (kept for a visualisation cache), so the Dice/CE loss built in the train loop has no path to the network.
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


class TinyUNet(nn.Module):
    def __init__(self, c=3, n_cls=4):
        super().__init__()
        self.down = nn.Sequential(nn.Conv2d(c, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.mid = nn.Sequential(nn.Conv2d(32, 64, 3, padding=1), nn.ReLU())
        self.up = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(64, n_cls, 3, padding=1))

    def forward(self, x):
        return self.up(self.mid(self.down(x)))


class SegWrapper(nn.Module):
    """Adds a small cache of the last prediction for the TensorBoard image hook."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.last_pred = None

    def forward(self, x):
        logits = self.net(x)
        self.last_pred = logits.data
        return self.last_pred


def dice_loss(logits, target, n_cls):
    probs = logits.softmax(1)
    onehot = F.one_hot(target, n_cls).permute(0, 3, 1, 2).float()
    inter = (probs * onehot).sum((2, 3))
    union = probs.sum((2, 3)) + onehot.sum((2, 3))
    return 1 - ((2 * inter + 1) / (union + 1)).mean()


def train_epoch(model, loader, opt, device, n_cls):
    model.train()
    meter = AverageMeter("loss")
    for img, mask in loader:
        img, mask = img.to(device), mask.to(device)
        out = model(img)
        loss = F.cross_entropy(out, mask) + dice_loss(out, mask, n_cls)
        opt.zero_grad()
        loss.backward()
        opt.step()
        meter.update(loss.item(), img.size(0))
    return meter.avg


def main():
    args = parse_args()
    set_seed(args.seed)
    ds = TensorDataset(torch.randn(256, 3, 64, 64), torch.randint(0, 4, (256, 64, 64)))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, num_workers=2)
    model = SegWrapper(TinyUNet()).to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        loss = train_epoch(model, loader, opt, args.device, 4)
        logger.info("epoch %d loss %.4f", epoch, loss)
        save_checkpoint({"model": model.net.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
