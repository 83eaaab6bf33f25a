# expect: clean
# style: tabular regression, model built by helper
# note: The head is nn.Linear(..., 1) and the target is 1-D, but Regressor.forward squeezes the last dimension so prediction and target are both (B,).
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


def build_mlp(d_in, hidden, d_out):
    layers, d = [], d_in
    for h in hidden:
        layers += [nn.Linear(d, h), nn.SiLU(), nn.Dropout(0.1)]
        d = h
    layers.append(nn.Linear(d, d_out))
    return nn.Sequential(*layers)


class Regressor(nn.Module):
    def __init__(self, d_in):
        super().__init__()
        self.mlp = build_mlp(d_in, [256, 128], 1)

    def forward(self, x):
        return self.mlp(x).squeeze(-1)


def main():
    args = parse_args()
    set_seed(args.seed)
    X = torch.randn(8000, 40)
    y = X[:, :5].sum(1) + 0.1 * torch.randn(8000)
    tr_loader = DataLoader(TensorDataset(X[:7000], y[:7000]), batch_size=args.batch_size, shuffle=True)
    va_x, va_y = X[7000:], y[7000:]
    model = Regressor(40)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    best = float("inf")
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter("mse")
        for xb, yb in tr_loader:
            opt.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            opt.step()
            meter.update(loss.item(), xb.size(0))
        model.eval()
        with torch.no_grad():
            rmse = F.mse_loss(model(va_x), va_y).sqrt().item()
        model.train()
        logger.info("epoch %d train %.4f val_rmse %.4f", epoch, meter.avg, rmse)
        if rmse < best:
            best = rmse
            save_checkpoint({"model": model.state_dict(), "rmse": rmse}, args.out_dir, "best.pt")


if __name__ == "__main__":
    main()
