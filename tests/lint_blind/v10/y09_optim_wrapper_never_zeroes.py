# expect: TVL003
# style: research repo, optimizer wrapper with warmup, time series
# bug: OptimWrapper defines zero_grad() but the loop only calls wrapper.step(), which never clears gradients.
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


class OptimWrapper:
    """Noam-style warmup around an inner optimizer."""

    def __init__(self, optimizer, d_model, warmup):
        self.optimizer = optimizer
        self.d_model = d_model
        self.warmup = warmup
        self._step = 0

    def rate(self):
        s = max(self._step, 1)
        return self.d_model ** -0.5 * min(s ** -0.5, s * self.warmup ** -1.5)

    def step(self):
        self._step += 1
        for g in self.optimizer.param_groups:
            g["lr"] = self.rate()
        self.optimizer.step()

    def zero_grad(self):
        self.optimizer.zero_grad()


class Forecaster(nn.Module):
    def __init__(self, n_feat, d_model=64, horizon=12):
        super().__init__()
        self.inp = nn.Linear(n_feat, d_model)
        layer = nn.TransformerEncoderLayer(d_model, 4, 128, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.out = nn.Linear(d_model, horizon)

    def forward(self, x):
        return self.out(self.enc(self.inp(x))[:, -1])


def train(model, loader, opt, device, epochs, log_every):
    for epoch in range(epochs):
        model.train()
        meter = AverageMeter("mse")
        for i, (x, y) in enumerate(loader):
            pred = model(x.to(device))
            loss = F.mse_loss(pred, y.to(device))
            loss.backward()
            opt.step()
            meter.update(loss.item(), x.size(0))
            if i % log_every == 0:
                logger.info("epoch %d it %d mse %.4f lr %.2e", epoch, i, meter.avg, opt.rate())


def main():
    args = parse_args()
    set_seed(args.seed)
    x = torch.randn(3000, 96, 7)
    y = torch.randn(3000, 12)
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True)
    model = Forecaster(7).to(args.device)
    opt = OptimWrapper(torch.optim.Adam(model.parameters(), lr=0, betas=(0.9, 0.98)), 64, 400)
    train(model, loader, opt, args.device, args.epochs, args.log_every)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
