# expect: TVL002
# style: Kaggle kernel, tabular regression with custom metric loss
# bug: Predictions go through .detach().cpu().numpy() for a numpy RMSLE and are re-wrapped with torch.tensor(requires_grad=True), cutting the model out of the loss.
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


def rmsle_np(pred, target):
    pred = np.clip(pred, 0, None)
    return float(np.sqrt(np.mean((np.log1p(pred) - np.log1p(target)) ** 2)))


class HouseNet(nn.Module):
    def __init__(self, d_in):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def main():
    args = parse_args()
    set_seed(args.seed)
    X = torch.randn(3000, 30)
    y = torch.rand(3000) * 5e5
    train_dl = DataLoader(TensorDataset(X[:2500], y[:2500]), batch_size=args.batch_size, shuffle=True)
    val_x, val_y = X[2500:], y[2500:]
    model = HouseNet(30).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    best = float("inf")
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for xb, yb in train_dl:
            xb = xb.to(args.device)
            opt.zero_grad()
            preds = model(xb).detach().cpu().numpy()
            # optimise the competition metric directly
            loss = torch.tensor(rmsle_np(preds, yb.numpy()), requires_grad=True)
            loss.backward()
            opt.step()
            meter.update(loss.item(), xb.size(0))
        model.eval()
        with torch.no_grad():
            val = rmsle_np(model(val_x.to(args.device)).cpu().numpy(), val_y.numpy())
        model.train()
        logger.info("epoch %d train_rmsle %.4f val_rmsle %.4f", epoch, meter.avg, val)
        if val < best:
            best = val
            save_checkpoint({"model": model.state_dict(), "val": val}, args.out_dir, "best.pt")


if __name__ == "__main__":
    main()
