# expect: TVL009
# style: tabular classification from a CSV-like dataset class
# bug: CSVDataset stores the class column as float32 (like the features) and the training loop passes those float class indices to F.cross_entropy.
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


class CSVDataset(Dataset):
    def __init__(self, table, label_col):
        arr = np.asarray(table, dtype=np.float32)
        self.x = torch.from_numpy(np.delete(arr, label_col, axis=1))
        self.y = torch.from_numpy(arr[:, label_col])
        self.mean, self.std = self.x.mean(0), self.x.std(0) + 1e-6

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return (self.x[i] - self.mean) / self.std, self.y[i]


def fake_table(n, n_feat, n_cls):
    feats = np.random.randn(n, n_feat)
    labels = np.random.randint(0, n_cls, size=(n, 1))
    return np.concatenate([feats, labels], axis=1)


class MLP(nn.Module):
    def __init__(self, d_in, n_cls):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, n_cls))

    def forward(self, x):
        return self.net(x)


def train_epoch(model, loader, opt):
    model.train()
    meter = AverageMeter()
    for xb, yb in loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        meter.update(loss.item(), xb.size(0))
    return meter.avg


def main():
    args = parse_args()
    set_seed(args.seed)
    table = fake_table(7000, 24, 5)
    ds = CSVDataset(table, label_col=24)
    n_val = 1000
    train_ds, val_ds = torch.utils.data.random_split(ds, [len(ds) - n_val, n_val])
    train_loader = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_ds, batch_size=512)
    model = MLP(24, 5)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        loss = train_epoch(model, train_loader, opt)
        model.eval()
        with torch.no_grad():
            acc = np.mean([(model(x).argmax(1) == y.long()).float().mean().item() for x, y in val_loader])
        model.train()
        logger.info("epoch %d loss %.4f acc %.3f", epoch, loss, acc)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
