# expect: TVL016
# style: accelerate-like AMP shim, CTR model
# bug: AmpHelper.step() calls scaler.step() and AmpHelper.update_scale() wraps scaler.update(), but the training loop never calls update_scale().
import argparse
import logging
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger("train")


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


class AmpHelper:
    """Tiny stand-in for accelerate's mixed-precision plumbing."""

    def __init__(self, enabled):
        self.enabled = enabled
        self.scaler = torch.cuda.amp.GradScaler(enabled=enabled)

    def autocast(self):
        return torch.autocast("cuda", dtype=torch.float16, enabled=self.enabled)

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def step(self, optimizer):
        self.scaler.step(optimizer)

    def update_scale(self):
        self.scaler.update()

    def state_dict(self):
        return self.scaler.state_dict()


class DeepFM(nn.Module):
    def __init__(self, field_dims, k=16):
        super().__init__()
        self.register_buffer("offsets", torch.tensor([0] + list(np.cumsum(field_dims)[:-1])), persistent=False)
        self.emb = nn.Embedding(sum(field_dims), k)
        self.lin = nn.Embedding(sum(field_dims), 1)
        self.mlp = nn.Sequential(nn.Linear(len(field_dims) * k, 128), nn.ReLU(), nn.Linear(128, 1))

    def forward(self, x):
        x = x + self.offsets
        e = self.emb(x)
        fm = 0.5 * (e.sum(1).pow(2) - e.pow(2).sum(1)).sum(1, keepdim=True)
        return (self.lin(x).sum(1) + fm + self.mlp(e.flatten(1))).squeeze(1)


def main():
    args = parse_args()
    set_seed(args.seed)
    field_dims = [100, 50, 20, 1000, 7]
    x = torch.stack([torch.randint(0, d, (50000,)) for d in field_dims], 1)
    y = (torch.rand(50000) < 0.1).float()
    loader = DataLoader(TensorDataset(x, y), batch_size=2048, shuffle=True)
    model = DeepFM(field_dims).to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    amp = AmpHelper(enabled=args.device.startswith("cuda"))
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter("logloss")
        for xb, yb in loader:
            xb, yb = xb.to(args.device), yb.to(args.device)
            opt.zero_grad()
            with amp.autocast():
                loss = F.binary_cross_entropy_with_logits(model(xb), yb)
            amp.backward(loss)
            amp.step(opt)
            meter.update(loss.item(), xb.size(0))
        logger.info("epoch %d logloss %.4f", epoch, meter.avg)
        save_checkpoint({"model": model.state_dict(), "amp": amp.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
