# expect: clean
# style: research trainer for a normalizing flow (density estimation) with a gradient-spike guard that counts and logs skips
# note: optimizer.step() is skipped when the gradient norm is non-finite or spikes, but every skip is counted, logged with the step number, and the run aborts if too many are skipped.
import argparse
import logging
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("flow")


class Coupling(nn.Module):
    def __init__(self, d, hidden, mask):
        super().__init__()
        self.register_buffer("mask", mask)
        self.net = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 2 * d))

    def forward(self, x):
        s, t = self.net(x * self.mask).chunk(2, -1)
        s = torch.tanh(s) * (1 - self.mask)
        t = t * (1 - self.mask)
        return x * self.mask + (1 - self.mask) * (x * s.exp() + t), s.sum(-1)


class RealNVP(nn.Module):
    def __init__(self, d=8, hidden=128, n=6):
        super().__init__()
        masks = [torch.arange(d) % 2 == (i % 2) for i in range(n)]
        self.layers = nn.ModuleList([Coupling(d, hidden, m.float()) for m in masks])

    def log_prob(self, x):
        logdet = 0.0
        for layer in self.layers:
            x, ld = layer(x)
            logdet = logdet + ld
        base = -0.5 * (x ** 2).sum(-1) - 0.5 * x.size(-1) * math.log(2 * math.pi)
        return base + logdet


class SpikeGuard:
    def __init__(self, factor=10.0, max_skips=100):
        self.factor, self.max_skips = factor, max_skips
        self.ema = None
        self.skipped = 0

    def ok(self, gnorm, step):
        g = gnorm.item()
        if not math.isfinite(g) or (self.ema is not None and g > self.factor * self.ema):
            self.skipped += 1
            log.warning("step %d: skipping update (grad norm %.3g, ema %.3g); %d skipped so far", step, g, self.ema or float("nan"), self.skipped)
            if self.skipped > self.max_skips:
                raise RuntimeError(f"too many skipped steps ({self.skipped})")
            return False
        self.ema = g if self.ema is None else 0.98 * self.ema + 0.02 * g
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    data = torch.randn(20000, 8) @ torch.randn(8, 8) * 0.5
    dl = DataLoader(TensorDataset(data), batch_size=256, shuffle=True)
    flow = RealNVP()
    opt = torch.optim.Adam(flow.parameters(), lr=args.lr)
    guard = SpikeGuard()
    step = 0
    for epoch in range(args.epochs):
        flow.train()
        nll_sum = 0.0
        for (x,) in dl:
            loss = -flow.log_prob(x).mean()
            opt.zero_grad()
            loss.backward()
            gnorm = nn.utils.clip_grad_norm_(flow.parameters(), float("inf"))
            if guard.ok(gnorm, step):
                opt.step()
            step += 1
            nll_sum += loss.item()
        log.info("epoch %d nll %.4f skipped_total %d", epoch, nll_sum / len(dl), guard.skipped)


if __name__ == "__main__":
    main()
