# expect: TVL005
# style: multi-task tabular model, Kaggle style
# bug: Task heads are kept in a plain dict attribute, so they are not registered as sub-modules (not in parameters(), not moved, not saved).
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


TASKS = {"churn": 2, "segment": 5, "tier": 3}


class MultiTaskNet(nn.Module):
    def __init__(self, d_in, hidden=256):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.BatchNorm1d(hidden),
                                   nn.Linear(hidden, hidden), nn.ReLU())
        self.heads = {name: nn.Linear(hidden, k) for name, k in TASKS.items()}

    def forward(self, x):
        h = self.trunk(x)
        return {name: head(h) for name, head in self.heads.items()}


def main():
    args = parse_args()
    set_seed(args.seed)
    n = 10000
    x = torch.randn(n, 48)
    ys = {t: torch.randint(0, k, (n,)) for t, k in TASKS.items()}
    ds = TensorDataset(x, *ys.values())
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
    model = MultiTaskNet(48)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    weights = {"churn": 1.0, "segment": 0.5, "tier": 0.5}
    for epoch in range(args.epochs):
        model.train()
        meters = {t: AverageMeter(t) for t in TASKS}
        for xb, *targets in loader:
            outs = model(xb)
            losses = {t: F.cross_entropy(outs[t], y) for t, y in zip(TASKS, targets)}
            total = sum(weights[t] * l for t, l in losses.items())
            opt.zero_grad()
            total.backward()
            opt.step()
            for t, l in losses.items():
                meters[t].update(l.item(), xb.size(0))
        logger.info("epoch %d " + " ".join(f"{t}={m.avg:.3f}" for t, m in meters.items()), epoch)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
