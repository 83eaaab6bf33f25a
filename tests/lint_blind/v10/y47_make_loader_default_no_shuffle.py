# expect: TVL015
# style: research repo with make_loader helper, audio tagging
# bug: make_loader(ds, bs, shuffle=False) defaults to no shuffling and main() builds the training loader without passing shuffle=True.
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


class ClipDataset(Dataset):
    """Synthetic log-mel clips, stored grouped by class like the original folders."""

    def __init__(self, n, n_cls=50):
        self.y = torch.arange(n) % n_cls
        self.y, _ = self.y.sort()
        self.x = torch.randn(n, 1, 64, 128) + self.y[:, None, None, None] * 0.01

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def make_loader(ds, batch_size, shuffle=False, workers=4):
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, num_workers=workers, pin_memory=True)


class AudioCNN(nn.Module):
    def __init__(self, n_cls=50):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, n_cls))

    def forward(self, x):
        return self.net(x)


def run(model, loader, opt, device, train):
    model.train(train)
    meter, correct, n = AverageMeter(), 0, 0
    with torch.set_grad_enabled(train):
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            out = model(x)
            loss = F.cross_entropy(out, y)
            if train:
                opt.zero_grad()
                loss.backward()
                opt.step()
            meter.update(loss.item(), x.size(0))
            correct += (out.argmax(1) == y).sum().item()
            n += y.numel()
    return meter.avg, correct / n


def main():
    args = parse_args()
    set_seed(args.seed)
    train_loader = make_loader(ClipDataset(2000), args.batch_size)
    val_loader = make_loader(ClipDataset(400), 128)
    model = AudioCNN().to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        tl, ta = run(model, train_loader, opt, args.device, True)
        vl, va = run(model, val_loader, opt, args.device, False)
        logger.info("epoch %d train %.3f/%.3f val %.3f/%.3f", epoch, tl, ta, vl, va)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
