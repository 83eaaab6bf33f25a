# expect: TVL013
# style: research repo, siamese network with helper used in training
# bug: embed() helper calls net.forward(x) instead of net(x), and it is used in the training loss of the Siamese network.
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


class EmbeddingNet(nn.Module):
    def __init__(self, d=128):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(1, 32, 5), nn.ReLU(), nn.MaxPool2d(2),
                                  nn.Conv2d(32, 64, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten())
        self.fc = nn.Linear(64 * 4 * 4, d)

    def forward(self, x):
        return F.normalize(self.fc(self.conv(x)), dim=-1)


def embed(net, x):
    return net.forward(x)


def contrastive_loss(a, b, same, margin=1.0):
    d = (a - b).pow(2).sum(-1).sqrt()
    return (same * d.pow(2) + (1 - same) * F.relu(margin - d).pow(2)).mean()


class PairDataset(Dataset):
    def __init__(self, n=5000):
        self.a = torch.randn(n, 1, 28, 28)
        self.b = torch.randn(n, 1, 28, 28)
        self.same = (torch.rand(n) < 0.5).float()

    def __len__(self):
        return len(self.same)

    def __getitem__(self, i):
        return self.a[i], self.b[i], self.same[i]


def train(net, loader, opt, epochs, device):
    for epoch in range(epochs):
        net.train()
        meter = AverageMeter()
        for a, b, same in loader:
            a, b, same = a.to(device), b.to(device), same.to(device)
            loss = contrastive_loss(embed(net, a), embed(net, b), same)
            opt.zero_grad()
            loss.backward()
            opt.step()
            meter.update(loss.item(), a.size(0))
        logger.info("epoch %d contrastive %.4f", epoch, meter.avg)


def main():
    args = parse_args()
    set_seed(args.seed)
    net = EmbeddingNet().to(args.device)
    net.register_forward_pre_hook(lambda m, inp: None)  # placeholder for input-stats hook
    loader = DataLoader(PairDataset(), batch_size=args.batch_size, shuffle=True)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    train(net, loader, opt, args.epochs, args.device)
    save_checkpoint({"model": net.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
