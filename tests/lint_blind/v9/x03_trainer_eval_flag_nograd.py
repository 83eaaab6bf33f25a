# expect: TVL001
# style: Trainer class for tabular regression with a shared _forward helper and a config dict
# bug: _forward wraps the model call in torch.no_grad() whenever cfg["amp_inference"] is set, and the config turns it on, so the training step's loss never reaches the model.
import contextlib
import logging
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)

CONFIG = {
    "in_features": 24,
    "hidden": [128, 64],
    "lr": 1e-3,
    "epochs": 10,
    "batch_size": 256,
    "amp_inference": True,  # cheaper forward when we only need numbers
}


def build_mlp(cfg):
    layers, d = [], cfg["in_features"]
    for h in cfg["hidden"]:
        layers += [nn.Linear(d, h), nn.ReLU(), nn.Dropout(0.1)]
        d = h
    layers.append(nn.Linear(d, 1))
    return nn.Sequential(*layers)


class Trainer:
    def __init__(self, cfg):
        self.cfg = cfg
        self.model = build_mlp(cfg)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg["lr"], weight_decay=1e-4)
        self.crit = nn.SmoothL1Loss()
        self.history = []

    def _ctx(self):
        return torch.no_grad() if self.cfg.get("amp_inference") else contextlib.nullcontext()

    def _forward(self, x):
        with self._ctx():
            return self.model(x).squeeze(-1)

    def training_step(self, batch):
        x, y = batch
        pred = self._forward(x)
        loss = self.crit(pred, y)
        self.opt.zero_grad()
        if loss.requires_grad:
            loss.backward()
        else:
            loss.requires_grad_(True).backward()
        self.opt.step()
        return loss.item()

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        se, n = 0.0, 0
        for x, y in loader:
            pred = self.model(x).squeeze(-1)
            se += ((pred - y) ** 2).sum().item()
            n += y.numel()
        self.model.train()
        return math.sqrt(se / n)

    def fit(self, train_loader, val_loader):
        for epoch in range(self.cfg["epochs"]):
            self.model.train()
            losses = [self.training_step(b) for b in train_loader]
            rmse = self.evaluate(val_loader)
            self.history.append((sum(losses) / len(losses), rmse))
            logger.info("epoch %d train %.4f val_rmse %.4f", epoch, *self.history[-1])


def synthetic(n, d):
    x = torch.randn(n, d)
    w = torch.randn(d)
    return TensorDataset(x, x @ w + 0.1 * torch.randn(n))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    tr = DataLoader(synthetic(8000, CONFIG["in_features"]), batch_size=CONFIG["batch_size"], shuffle=True)
    va = DataLoader(synthetic(1000, CONFIG["in_features"]), batch_size=512)
    Trainer(CONFIG).fit(tr, va)
