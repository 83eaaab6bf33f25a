# expect: TVL011
# style: Trainer built from mixins (StabilityMixin + LoggingMixin), masked-autoencoder pretraining on tabular features
# bug: StabilityMixin.should_step() returns False for spiky gradient norms and Trainer.fit just skips the update; the mixin keeps no skip counter and nothing is logged
import logging
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("tabmae")


class LoggingMixin:
    log_every = 50

    def log_metrics(self, step, **metrics):
        if step % self.log_every == 0:
            msg = " ".join(f"{k}={v:.4f}" for k, v in metrics.items())
            logger.info("step %d %s", step, msg)


class StabilityMixin:
    spike_factor = 5.0
    ema_decay = 0.98

    def _grad_norm(self):
        norms = [p.grad.detach().norm() for p in self.model.parameters() if p.grad is not None]
        return torch.stack(norms).norm().item()

    def should_step(self):
        gn = self._grad_norm()
        if not hasattr(self, "_gn_ema"):
            self._gn_ema = gn
        ok = gn == gn and gn < self.spike_factor * self._gn_ema
        if ok:
            self._gn_ema = self.ema_decay * self._gn_ema + (1 - self.ema_decay) * gn
        return ok


class TabMAE(nn.Module):
    def __init__(self, n_feat=48, dim=128):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(n_feat * 2, dim), nn.GELU(), nn.Linear(dim, dim), nn.GELU())
        self.dec = nn.Linear(dim, n_feat)

    def forward(self, x, mask):
        inp = torch.cat([x * (~mask), mask.float()], -1)
        return self.dec(self.enc(inp))


class Trainer(LoggingMixin, StabilityMixin):
    def __init__(self, model, lr=1e-3, mask_ratio=0.3):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.mask_ratio = mask_ratio
        self.step = 0

    def loss_fn(self, x):
        mask = torch.rand_like(x) < self.mask_ratio
        recon = self.model(x, mask)
        return ((recon - x) ** 2 * mask).sum() / mask.sum().clamp(min=1)

    def fit(self, loader, epochs):
        self.model.train()
        t0 = time.time()
        for epoch in range(epochs):
            for (x,) in loader:
                loss = self.loss_fn(x)
                self.opt.zero_grad()
                loss.backward()
                if self.should_step():
                    self.opt.step()
                self.step += 1
                self.log_metrics(self.step, loss=loss.item(), elapsed=time.time() - t0)
            torch.save(self.model.state_dict(), f"tabmae_ep{epoch}.pt")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    X = torch.randn(30000, 48)
    X[:, :10] = X[:, :10].round()
    loader = DataLoader(TensorDataset(X), batch_size=256, shuffle=True)
    Trainer(TabMAE()).fit(loader, epochs=5)
