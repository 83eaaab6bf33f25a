# expect: clean
# style: normalizing-flow (RealNVP-style) density model on 2-D data with a NaN guard that counts and reports skipped batches
# note: the update is skipped for non-finite losses/gradients, which looks like TVL011, but each skip increments a counter that is logged every epoch and stored in the checkpoint, and training aborts if too many batches are skipped.
import argparse
import logging
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("flow")


class Coupling(nn.Module):
    def __init__(self, mask, hidden=128):
        super().__init__()
        self.register_buffer("mask", mask)
        self.net = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 4))

    def forward(self, x):
        s, t = self.net(x * self.mask).chunk(2, dim=-1)
        s = torch.tanh(s) * (1 - self.mask)
        y = x * self.mask + (1 - self.mask) * (x * s.exp() + t)
        return y, s.sum(-1)


class RealNVP(nn.Module):
    def __init__(self, n_layers=6):
        super().__init__()
        masks = [torch.tensor([1.0, 0.0]) if i % 2 == 0 else torch.tensor([0.0, 1.0]) for i in range(n_layers)]
        self.layers = nn.ModuleList([Coupling(m) for m in masks])

    def log_prob(self, x):
        logdet = torch.zeros(x.size(0))
        for layer in self.layers:
            x, ld = layer(x)
            logdet = logdet + ld
        base = -0.5 * (x ** 2).sum(-1) - math.log(2 * math.pi)
        return base + logdet


def spiral(n):
    t = torch.rand(n) * 4 * math.pi
    return torch.stack([t.cos() * t, t.sin() * t], 1) / 6 + 0.05 * torch.randn(n, 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--max-skip-frac", type=float, default=0.05)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    loader = DataLoader(TensorDataset(spiral(30000)), batch_size=256, shuffle=True)
    flow = RealNVP()
    opt = torch.optim.Adam(flow.parameters(), lr=args.lr)
    total_skipped = 0
    for epoch in range(args.epochs):
        flow.train()
        nll_sum, skipped = 0.0, 0
        for (x,) in loader:
            loss = -flow.log_prob(x).mean()
            if not torch.isfinite(loss):
                skipped += 1
                continue
            opt.zero_grad()
            loss.backward()
            gn = nn.utils.clip_grad_norm_(flow.parameters(), 10.0)
            if not torch.isfinite(gn):
                skipped += 1
                opt.zero_grad()
                continue
            opt.step()
            nll_sum += loss.item()
        total_skipped += skipped
        log.info("epoch %d nll %.4f skipped %d (total %d)", epoch, nll_sum / max(len(loader) - skipped, 1),
                 skipped, total_skipped)
        if skipped > args.max_skip_frac * len(loader):
            raise RuntimeError(f"too many non-finite batches in epoch {epoch}: {skipped}/{len(loader)}")
    torch.save({"flow": flow.state_dict(), "skipped_batches": total_skipped}, "realnvp_spiral.pt")


if __name__ == "__main__":
    main()
