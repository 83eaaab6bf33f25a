# expect: clean
# style: Trainer for wind-power time-series regression with two schedulers (warmup + ReduceLROnPlateau) in an Callback-free epoch loop
# note: two schedulers and per-batch code make scheduler misuse likely — but LinearLR warmup is sized in iterations and stepped after optimizer.step() each batch, while ReduceLROnPlateau is stepped once per epoch with the validation loss
import argparse
import logging
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("wind")


def wind_series(n=20000, seed=0):
    rng = np.random.default_rng(seed)
    speed = np.abs(8 + 3 * np.sin(np.arange(n) / 144 * 2 * np.pi) + np.cumsum(rng.normal(0, 0.2, n)) * 0.05)
    direction = (np.arange(n) * 0.3 + rng.normal(0, 5, n)) % 360
    power = np.clip((speed / 12) ** 3, 0, 1) + rng.normal(0, 0.02, n)
    X = np.stack([speed, np.sin(np.radians(direction)), np.cos(np.radians(direction))], 1).astype(np.float32)
    return X, power.astype(np.float32)


def windows(X, y, lookback=36):
    xs = np.stack([X[i - lookback : i] for i in range(lookback, len(X))])
    return torch.from_numpy(xs), torch.from_numpy(y[lookback:])


class TCN(nn.Module):
    def __init__(self, cin=3, ch=64, levels=4):
        super().__init__()
        layers = []
        for i in range(levels):
            d = 2 ** i
            layers += [nn.Conv1d(cin if i == 0 else ch, ch, 3, padding=2 * d, dilation=d), nn.ReLU(), nn.Dropout(0.1)]
        self.net = nn.Sequential(*layers)
        self.out = nn.Linear(ch, 1)

    def forward(self, x):
        h = self.net(x.transpose(1, 2))[..., : x.size(1)]
        return self.out(h[..., -1]).squeeze(-1)


class Trainer:
    def __init__(self, model, lr, iters_per_epoch, warmup_epochs=1):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.warmup = torch.optim.lr_scheduler.LinearLR(self.opt, start_factor=0.1, total_iters=warmup_epochs * iters_per_epoch)
        self.plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(self.opt, mode="min", factor=0.5, patience=3)
        self.warmup_iters = warmup_epochs * iters_per_epoch
        self.it = 0

    def train_epoch(self, dl):
        self.model.train()
        tot = 0.0
        for x, y in dl:
            loss = F.mse_loss(self.model(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            if self.it < self.warmup_iters:
                self.warmup.step()
            self.it += 1
            tot += loss.item() * len(y)
        return tot / len(dl.dataset)

    @torch.no_grad()
    def val_loss(self, dl):
        self.model.eval()
        return sum(F.mse_loss(self.model(x), y, reduction="sum").item() for x, y in dl) / len(dl.dataset)

    def fit(self, train_dl, val_dl, epochs):
        for ep in range(epochs):
            tr = self.train_epoch(train_dl)
            va = self.val_loss(val_dl)
            if self.it >= self.warmup_iters:
                self.plateau.step(va)
            log.info("epoch %d train %.5f val_rmse %.4f lr %.2e", ep, tr, math.sqrt(va), self.opt.param_groups[0]["lr"])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    X, y = wind_series()
    mu, sd = X[:16000].mean(0), X[:16000].std(0)
    X = (X - mu) / sd
    xtr, ytr = windows(X[:16000], y[:16000])
    xva, yva = windows(X[16000:], y[16000:])
    train_dl = DataLoader(TensorDataset(xtr, ytr), batch_size=128, shuffle=True)
    val_dl = DataLoader(TensorDataset(xva, yva), batch_size=1024)
    trainer = Trainer(TCN(), 1e-3, len(train_dl))
    trainer.fit(train_dl, val_dl, a.epochs)
    torch.save(trainer.model.state_dict(), "tcn_wind.pt")
