# expect: TVL012
# style: callback-based trainer, churn prediction with wide&deep
# bug: StatsCallback.on_batch_end does self.totals[key] += value for the loss tensors the trainer passes in, keeping each batch's graph alive for the whole epoch.
import argparse
import logging
import os
import random
import time

from collections import defaultdict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger("train")
log = logger


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default="runs/exp")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--log-every", type=int, default=50)
    if extra is not None:
        extra(p)
    return p.parse_args()


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def save_checkpoint(state, out_dir, name="last.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    logger.info("saved checkpoint -> %s", path)
    return path


class StatsCallback:
    def __init__(self):
        self.totals = defaultdict(float)
        self.batches = 0

    def on_epoch_start(self):
        self.totals = defaultdict(float)
        self.batches = 0

    def on_batch_end(self, losses):
        for key, value in losses.items():
            self.totals[key] += value
        self.batches += 1

    def summary(self):
        return {k: float(v) / max(self.batches, 1) for k, v in self.totals.items()}


class WideDeep(nn.Module):
    def __init__(self, n_wide, cat_sizes, d=16):
        super().__init__()
        self.wide = nn.Linear(n_wide, 1)
        self.embs = nn.ModuleList([nn.Embedding(c, d) for c in cat_sizes])
        self.deep = nn.Sequential(nn.Linear(d * len(cat_sizes), 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, wide_x, cat_x):
        e = torch.cat([emb(cat_x[:, i]) for i, emb in enumerate(self.embs)], -1)
        return (self.wide(wide_x) + self.deep(e)).squeeze(-1)


class Trainer:
    def __init__(self, model, opt, callbacks):
        self.model, self.opt, self.callbacks = model, opt, callbacks

    def fit(self, loader, epochs):
        for epoch in range(epochs):
            self.model.train()
            for cb in self.callbacks:
                cb.on_epoch_start()
            for wide_x, cat_x, y in loader:
                logits = self.model(wide_x, cat_x)
                bce = F.binary_cross_entropy_with_logits(logits, y)
                l2 = 1e-5 * self.model.wide.weight.pow(2).sum()
                loss = bce + l2
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                for cb in self.callbacks:
                    cb.on_batch_end({"bce": bce, "l2": l2})
            log.info("epoch %d %s", epoch, self.callbacks[0].summary())


def main():
    args = parse_args()
    set_seed(args.seed)
    n = 20000
    cat_sizes = [50, 12, 7, 200]
    wide_x = torch.randn(n, 20)
    cat_x = torch.stack([torch.randint(0, c, (n,)) for c in cat_sizes], 1)
    y = (torch.rand(n) < 0.2).float()
    loader = DataLoader(TensorDataset(wide_x, cat_x, y), batch_size=512, shuffle=True)
    model = WideDeep(20, cat_sizes)
    trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=args.lr), [StatsCallback()])
    trainer.fit(loader, args.epochs)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
