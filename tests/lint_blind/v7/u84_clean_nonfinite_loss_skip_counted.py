# expect: clean
# style: hand-written engine for a normalising-flow density model with a NaN guard, tabular anomaly scoring
# note: the loop skips batches whose loss or grad norm is non-finite, which looks like TVL011, but each skip is counted in self.n_skipped, logged with the step, reported per epoch, and training aborts if too many are skipped.
import logging
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("flow")


class Coupling(nn.Module):
    def __init__(self, d, mask):
        super().__init__()
        self.register_buffer("mask", mask)
        self.s = nn.Sequential(nn.Linear(d, 128), nn.Tanh(), nn.Linear(128, d))
        self.t = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Linear(128, d))

    def forward(self, x):
        xm = x * self.mask
        s = self.s(xm) * (1 - self.mask)
        t = self.t(xm) * (1 - self.mask)
        return xm + (1 - self.mask) * (x * torch.exp(s) + t), s.sum(-1)


class RealNVP(nn.Module):
    def __init__(self, d=10, n=6):
        super().__init__()
        masks = [(torch.arange(d) % 2 == i % 2).float() for i in range(n)]
        self.layers = nn.ModuleList(Coupling(d, m) for m in masks)

    def forward(self, x):
        logdet = torch.zeros(x.size(0))
        for layer in self.layers:
            x, ld = layer(x)
            logdet = logdet + ld
        return x, logdet

    def log_prob(self, x):
        z, logdet = self(x)
        return -0.5 * (z ** 2).sum(-1) - 0.5 * z.size(1) * math.log(2 * math.pi) + logdet


class FlowEngine:
    def __init__(self, model, lr=1e-3, max_skip_frac=0.05):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.n_skipped = 0
        self.max_skip_frac = max_skip_frac
        self.step = 0

    def train_epoch(self, loader, epoch):
        self.model.train()
        nll_sum, n, skipped_before = 0.0, 0, self.n_skipped
        for (x,) in loader:
            self.step += 1
            loss = -self.model.log_prob(x).mean()
            self.opt.zero_grad()
            if not torch.isfinite(loss):
                self.n_skipped += 1
                log.warning("step %d: non-finite loss, batch skipped (%d total)", self.step, self.n_skipped)
                continue
            loss.backward()
            gnorm = nn.utils.clip_grad_norm_(self.model.parameters(), 10.0)
            if not torch.isfinite(gnorm):
                self.n_skipped += 1
                log.warning("step %d: non-finite grad norm, update skipped (%d total)", self.step, self.n_skipped)
                continue
            self.opt.step()
            nll_sum += loss.item() * len(x)
            n += len(x)
        skipped = self.n_skipped - skipped_before
        if skipped > self.max_skip_frac * len(loader):
            raise RuntimeError(f"epoch {epoch}: {skipped} of {len(loader)} updates skipped")
        return nll_sum / max(n, 1), skipped


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    x = torch.randn(20000, 10) @ torch.randn(10, 10) * 0.5
    loader = DataLoader(TensorDataset(x), batch_size=256, shuffle=True)
    engine = FlowEngine(RealNVP())
    for epoch in range(20):
        nll, skipped = engine.train_epoch(loader, epoch)
        log.info("epoch %d nll %.4f skipped %d", epoch, nll, skipped)
