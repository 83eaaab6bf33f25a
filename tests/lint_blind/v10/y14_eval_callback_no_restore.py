# expect: TVL004
# style: callback runner, tabular transformer
# bug: EvalCallback.on_epoch_end puts the model in eval mode and never restores train mode; the runner only calls model.train() in fit()'s setup.
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


class Callback:
    def on_fit_start(self, runner): pass
    def on_epoch_end(self, runner, epoch): pass


class EvalCallback(Callback):
    def __init__(self, loader):
        self.loader = loader
        self.best = 0.0

    def on_epoch_end(self, runner, epoch):
        runner.model.eval()
        correct = n = 0
        with torch.no_grad():
            for x, y in self.loader:
                correct += (runner.model(x).argmax(-1) == y).sum().item()
                n += y.numel()
        acc = correct / n
        runner.logs["val_acc"] = acc
        if acc > self.best:
            self.best = acc
            save_checkpoint({"model": runner.model.state_dict()}, runner.out_dir, "best.pt")


class LoggerCallback(Callback):
    def on_epoch_end(self, runner, epoch):
        logger.info("epoch %d %s", epoch, runner.logs)


class Runner:
    def __init__(self, model, opt, out_dir, callbacks=()):
        self.model, self.opt, self.out_dir = model, opt, out_dir
        self.callbacks = list(callbacks)
        self.logs = {}

    def fit(self, loader, epochs):
        self.model.train()
        for cb in self.callbacks:
            cb.on_fit_start(self)
        for epoch in range(epochs):
            meter = AverageMeter()
            for x, y in loader:
                self.opt.zero_grad()
                loss = F.cross_entropy(self.model(x), y)
                loss.backward()
                self.opt.step()
                meter.update(loss.item(), x.size(0))
            self.logs["loss"] = meter.avg
            for cb in self.callbacks:
                cb.on_epoch_end(self, epoch)


class FTTransformer(nn.Module):
    def __init__(self, n_feat, d=32, n_cls=3):
        super().__init__()
        self.tok = nn.Linear(1, d)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        layer = nn.TransformerEncoderLayer(d, 4, 64, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 3)
        self.head = nn.Linear(d, n_cls)

    def forward(self, x):
        t = self.tok(x.unsqueeze(-1))
        t = torch.cat([self.cls.expand(x.size(0), -1, -1), t], 1)
        return self.head(self.enc(t)[:, 0])


def main():
    args = parse_args()
    set_seed(args.seed)
    tr = TensorDataset(torch.randn(3000, 16), torch.randint(0, 3, (3000,)))
    va = TensorDataset(torch.randn(600, 16), torch.randint(0, 3, (600,)))
    model = FTTransformer(16)
    runner = Runner(model, torch.optim.AdamW(model.parameters(), lr=args.lr), args.out_dir,
                    [EvalCallback(DataLoader(va, batch_size=256)), LoggerCallback()])
    runner.fit(DataLoader(tr, batch_size=args.batch_size, shuffle=True), args.epochs)


if __name__ == "__main__":
    main()
