# expect: TVL005
# style: multi-task recommender (CTR + CVR + dwell), Trainer class, CPU job
# bug: _build_towers() returns a plain dict of task towers that is stored on the model; the towers are not registered sub-modules, so the optimizer built from model.parameters() never updates them
import logging
import math
from dataclasses import dataclass, field
from typing import Dict, List

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("mtl")


@dataclass
class MTLConfig:
    n_users: int = 5000
    n_items: int = 2000
    emb_dim: int = 32
    shared_dims: List[int] = field(default_factory=lambda: [128, 64])
    tasks: Dict[str, str] = field(default_factory=lambda: {"click": "binary", "convert": "binary", "dwell": "regression"})
    lr: float = 2e-3
    epochs: int = 5
    batch_size: int = 1024


class Interactions(Dataset):
    def __init__(self, cfg, n, seed):
        g = torch.Generator().manual_seed(seed)
        self.u = torch.randint(0, cfg.n_users, (n,), generator=g)
        self.i = torch.randint(0, cfg.n_items, (n,), generator=g)
        aff = torch.sin(self.u.float() * 0.01) * torch.cos(self.i.float() * 0.02)
        self.click = (torch.rand(n, generator=g) < torch.sigmoid(2 * aff)).float()
        self.convert = self.click * (torch.rand(n, generator=g) < 0.3).float()
        self.dwell = self.click * (5 + 3 * aff + torch.randn(n, generator=g)).clamp(min=0)

    def __len__(self):
        return len(self.u)

    def __getitem__(self, k):
        return self.u[k], self.i[k], {"click": self.click[k], "convert": self.convert[k], "dwell": self.dwell[k]}


def mlp(dims, dropout=0.1):
    layers = []
    for a, b in zip(dims[:-1], dims[1:]):
        layers += [nn.Linear(a, b), nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


class SharedBottomMTL(nn.Module):
    def __init__(self, cfg: MTLConfig):
        super().__init__()
        self.user_emb = nn.Embedding(cfg.n_users, cfg.emb_dim)
        self.item_emb = nn.Embedding(cfg.n_items, cfg.emb_dim)
        self.bottom = mlp([2 * cfg.emb_dim] + cfg.shared_dims)
        self.towers = self._build_towers(cfg)

    @staticmethod
    def _build_towers(cfg):
        d = cfg.shared_dims[-1]
        return {name: nn.Sequential(nn.Linear(d, 32), nn.ReLU(), nn.Linear(32, 1)) for name in cfg.tasks}

    def forward(self, u, i):
        h = self.bottom(torch.cat([self.user_emb(u), self.item_emb(i)], -1))
        return {name: tower(h).squeeze(-1) for name, tower in self.towers.items()}


class MTLTrainer:
    def __init__(self, cfg: MTLConfig, model: nn.Module):
        self.cfg = cfg
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        self.weights = {"click": 1.0, "convert": 2.0, "dwell": 0.1}

    def task_loss(self, name, pred, target):
        if self.cfg.tasks[name] == "binary":
            return F.binary_cross_entropy_with_logits(pred, target)
        return F.mse_loss(pred, target)

    def fit(self, train_dl, val_dl):
        for epoch in range(self.cfg.epochs):
            self.model.train()
            agg = {k: 0.0 for k in self.cfg.tasks}
            for u, i, targets in train_dl:
                preds = self.model(u, i)
                losses = {k: self.task_loss(k, preds[k], targets[k]) for k in self.cfg.tasks}
                loss = sum(self.weights[k] * v for k, v in losses.items())
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                for k, v in losses.items():
                    agg[k] += v.item()
            log.info("epoch %d %s", epoch, {k: round(v / len(train_dl), 4) for k, v in agg.items()})
            log.info("val %s", self.evaluate(val_dl))

    @torch.no_grad()
    def evaluate(self, dl):
        self.model.eval()
        hits, n, se = 0.0, 0, 0.0
        for u, i, t in dl:
            p = self.model(u, i)
            hits += ((p["click"] > 0).float() == t["click"]).sum().item()
            se += ((p["dwell"] - t["dwell"]) ** 2).sum().item()
            n += len(u)
        return {"click_acc": hits / n, "dwell_rmse": math.sqrt(se / n)}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cfg = MTLConfig()
    train_dl = DataLoader(Interactions(cfg, 200_000, 0), batch_size=cfg.batch_size, shuffle=True)
    val_dl = DataLoader(Interactions(cfg, 20_000, 1), batch_size=4096)
    model = SharedBottomMTL(cfg)
    MTLTrainer(cfg, model).fit(train_dl, val_dl)
    torch.save(model.state_dict(), "mtl.pt")
