# expect: clean
# style: engine with on-device loss accumulation (avoids per-step sync)
# note: Engine accumulates self.loss_sum += loss across iterations, but the value passed in is loss.detach(), so no graph is retained.
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


class Engine:
    def __init__(self, model, opt, device):
        self.model, self.opt, self.device = model, opt, device
        self.reset()

    def reset(self):
        self.loss_sum = torch.zeros((), device=self.device)
        self.n = 0

    def accumulate(self, loss_value, n):
        self.loss_sum += loss_value * n
        self.n += n

    def epoch_loss(self):
        return (self.loss_sum / max(self.n, 1)).item()

    def train_step(self, x, y):
        self.opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.opt.step()
        self.accumulate(loss.detach(), x.size(0))


class ResMLP(nn.Module):
    def __init__(self, d_in=64, d=256, n_cls=10, depth=4):
        super().__init__()
        self.inp = nn.Linear(d_in, d)
        self.blocks = nn.ModuleList([nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.GELU()) for _ in range(depth)])
        self.out = nn.Linear(d, n_cls)

    def forward(self, x):
        h = self.inp(x)
        for b in self.blocks:
            h = h + b(h)
        return self.out(h)


def main():
    args = parse_args()
    set_seed(args.seed)
    ds = TensorDataset(torch.randn(20000, 64), torch.randint(0, 10, (20000,)))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, pin_memory=True)
    model = ResMLP().to(args.device)
    engine = Engine(model, torch.optim.AdamW(model.parameters(), lr=args.lr), args.device)
    for epoch in range(args.epochs):
        model.train()
        engine.reset()
        for x, y in loader:
            engine.train_step(x.to(args.device, non_blocking=True), y.to(args.device, non_blocking=True))
        logger.info("epoch %d loss %.4f", epoch, engine.epoch_loss())
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
