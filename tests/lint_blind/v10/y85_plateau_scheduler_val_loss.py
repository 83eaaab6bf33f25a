# expect: clean
# style: Trainer with ReduceLROnPlateau, weather forecasting
# note: scheduler.step() is called with the validation loss inside fit(), once per epoch after the training epoch's optimizer steps, as ReduceLROnPlateau requires.
import argparse
import json
import logging
import math
import os
import time
from collections import defaultdict

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger(__name__)
logger = log


def parse_args(extra=None):
    parser = argparse.ArgumentParser(description="training script")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out-dir", type=str, default="./outputs")
    parser.add_argument("--device", type=str, default="cuda")
    parser.add_argument("--log-every", type=int, default=20)
    if extra:
        extra(parser)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        args.device = "cpu"
    return args


def set_seed(seed):
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(1, self.count)


def dump_metrics(history, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(history, f, indent=2)


def save_checkpoint(state, out_dir, name="checkpoint.pt"):
    os.makedirs(out_dir, exist_ok=True)
    torch.save(state, os.path.join(out_dir, name))


class GRUForecaster(nn.Module):
    def __init__(self, n_feat=10, hid=64, horizon=24):
        super().__init__()
        self.gru = nn.GRU(n_feat, hid, 2, batch_first=True, dropout=0.1)
        self.out = nn.Linear(hid, horizon)

    def forward(self, x):
        h, _ = self.gru(x)
        return self.out(h[:, -1])


class Trainer:
    def __init__(self, model, lr, patience=3):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.sched = torch.optim.lr_scheduler.ReduceLROnPlateau(self.opt, mode="min", factor=0.5, patience=patience)

    def train_epoch(self, loader):
        self.model.train()
        meter = AverageMeter()
        for x, y in loader:
            self.opt.zero_grad()
            loss = F.mse_loss(self.model(x), y)
            loss.backward()
            self.opt.step()
            meter.update(loss.item(), x.size(0))
        return meter.avg

    @torch.no_grad()
    def validate(self, loader):
        self.model.eval()
        meter = AverageMeter()
        for x, y in loader:
            meter.update(F.mse_loss(self.model(x), y).item(), x.size(0))
        self.model.train()
        return meter.avg

    def fit(self, tr, va, epochs, out_dir):
        best = float("inf")
        for epoch in range(epochs):
            tl = self.train_epoch(tr)
            vl = self.validate(va)
            self.sched.step(vl)
            logger.info("epoch %d train %.4f val %.4f lr %.2e", epoch, tl, vl, self.opt.param_groups[0]["lr"])
            if vl < best:
                best = vl
                save_checkpoint({"model": self.model.state_dict()}, out_dir, "best.pt")


def main():
    args = parse_args()
    set_seed(args.seed)
    x, y = torch.randn(6000, 72, 10), torch.randn(6000, 24)
    tr = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=args.batch_size, shuffle=True)
    va = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256)
    Trainer(GRUForecaster(), args.lr).fit(tr, va, args.epochs, args.out_dir)


if __name__ == "__main__":
    main()
