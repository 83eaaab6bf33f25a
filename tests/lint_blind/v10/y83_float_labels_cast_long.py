# expect: clean
# style: tabular multiclass from a float array, labels cast in the dataset
# note: Labels come out of a float32 array like the features, but the Dataset converts them with .long() before they reach F.cross_entropy.
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


class ArrayDataset(Dataset):
    def __init__(self, arr, label_col):
        arr = torch.as_tensor(arr, dtype=torch.float32)
        self.x = torch.cat([arr[:, :label_col], arr[:, label_col + 1:]], 1)
        self.y = arr[:, label_col].round().long()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def make_array(n, d, k):
    a = np.random.randn(n, d + 1).astype("float32")
    a[:, 3] = np.random.randint(0, k, n)
    return a


def fit(model, loader, opt, epochs):
    for epoch in range(epochs):
        model.train()
        meter = AverageMeter()
        for x, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            meter.update(loss.item(), x.size(0))
        logger.info("epoch %d loss %.4f", epoch, meter.avg)


def main():
    args = parse_args()
    set_seed(args.seed)
    ds = ArrayDataset(make_array(9000, 18, 7), label_col=3)
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
    model = nn.Sequential(nn.Linear(18, 64), nn.ReLU(), nn.Linear(64, 7))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    fit(model, loader, opt, args.epochs)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
