# expect: clean
# style: video recommender with two objectives (click + watch time), uncertainty weights in an nn.ParameterDict, config dataclass
# note: task weights are created per objective in a loop and there is a non-finite gradient check before optimizer.step(), but the weights are an nn.ParameterDict in the optimized module and the check raises (with step number) instead of silently skipping
import logging
import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("mtl-rec")


@dataclass
class Config:
    n_users: int = 5000
    n_videos: int = 3000
    dim: int = 32
    tasks: list = field(default_factory=lambda: ["click", "watch"])
    lr: float = 1e-3
    epochs: int = 6
    batch_size: int = 1024


class TwoTower(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.user = nn.Embedding(cfg.n_users, cfg.dim)
        self.video = nn.Embedding(cfg.n_videos, cfg.dim)
        self.shared = nn.Sequential(nn.Linear(3 * cfg.dim, 128), nn.ReLU(), nn.Dropout(0.1))
        self.towers = nn.ModuleDict({t: nn.Linear(128, 1) for t in cfg.tasks})
        self.log_sigma = nn.ParameterDict({t: nn.Parameter(torch.zeros(())) for t in cfg.tasks})

    def forward(self, u, v):
        eu, ev = self.user(u), self.video(v)
        h = self.shared(torch.cat([eu, ev, eu * ev], -1))
        return {t: tower(h).squeeze(-1) for t, tower in self.towers.items()}

    def weighted_loss(self, out, click, watch):
        losses = {"click": F.binary_cross_entropy_with_logits(out["click"], click),
                  "watch": F.mse_loss(out["watch"], watch)}
        total = sum(torch.exp(-2 * self.log_sigma[t]) * l + self.log_sigma[t] for t, l in losses.items())
        return total, {t: l.item() for t, l in losses.items()}


def assert_finite_grads(model, step):
    for name, p in model.named_parameters():
        if p.grad is not None and not torch.isfinite(p.grad).all():
            raise FloatingPointError(f"non-finite gradient in {name} at step {step}")


def synthetic(cfg, n=300_000, seed=0):
    g = torch.Generator().manual_seed(seed)
    u = torch.randint(0, cfg.n_users, (n,), generator=g)
    v = torch.randint(0, cfg.n_videos, (n,), generator=g)
    affinity = torch.sin(u.float() * 0.01) * torch.cos(v.float() * 0.02)
    click = (torch.rand(n, generator=g) < torch.sigmoid(2 * affinity - 1)).float()
    watch = click * (affinity + 1 + 0.1 * torch.randn(n, generator=g))
    return TensorDataset(u, v, click, watch)


def main(cfg: Config):
    logging.basicConfig(level=logging.INFO)
    ds = synthetic(cfg)
    n_val = 30_000
    train_ds, val_ds = torch.utils.data.random_split(ds, [len(ds) - n_val, n_val])
    train_loader = DataLoader(train_ds, batch_size=cfg.batch_size, shuffle=True)
    val_loader = DataLoader(val_ds, batch_size=8192)
    model = TwoTower(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    step = 0
    for epoch in range(cfg.epochs):
        model.train()
        parts = {t: 0.0 for t in cfg.tasks}
        for u, v, click, watch in train_loader:
            loss, logs = model.weighted_loss(model(u, v), click, watch)
            opt.zero_grad()
            loss.backward()
            assert_finite_grads(model, step)
            opt.step()
            step += 1
            for t in cfg.tasks:
                parts[t] += logs[t]
        model.eval()
        with torch.no_grad():
            ll = mse = 0.0
            for u, v, click, watch in val_loader:
                out = model(u, v)
                ll += F.binary_cross_entropy_with_logits(out["click"], click, reduction="sum").item()
                mse += F.mse_loss(out["watch"], watch, reduction="sum").item()
        sig = {t: round(math.exp(model.log_sigma[t].item()), 3) for t in cfg.tasks}
        log.info("epoch %d train %s val logloss %.4f val mse %.4f sigmas %s", epoch,
                 {t: round(p / len(train_loader), 4) for t, p in parts.items()}, ll / n_val, mse / n_val, sig)


if __name__ == "__main__":
    main(Config())
