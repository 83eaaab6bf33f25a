# expect: clean
# style: Trainer class for tabular regression (insurance charges) with a model head nn.Linear(64, 1)
# note: the head produces (B, 1) and the target is 1-D (B,), the classic broadcasting setup — but RegressionModel.forward() squeezes the last dim, so MSELoss compares (B,) with (B,)
import argparse
import logging
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("reg")


@dataclass
class Hparams:
    hidden: int = 64
    dropout: float = 0.1
    lr: float = 1e-3
    epochs: int = 60
    batch_size: int = 64
    patience: int = 8


class InsuranceData(Dataset):
    def __init__(self, n, seed, stats=None):
        rng = np.random.default_rng(seed)
        age = rng.integers(18, 65, n)
        bmi = rng.normal(30, 6, n)
        children = rng.integers(0, 5, n)
        smoker = rng.random(n) < 0.2
        charges = 250 * age + 300 * (bmi - 25).clip(min=0) + 500 * children + 20000 * smoker + rng.normal(0, 3000, n)
        X = np.stack([age, bmi, children, smoker], 1).astype(np.float32)
        self.stats = stats or (X.mean(0), X.std(0), charges.mean(), charges.std())
        mx, sx, my, sy = self.stats
        self.X = torch.tensor((X - mx) / sx)
        self.y = torch.tensor(((charges - my) / sy).astype(np.float32))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.X[i], self.y[i]


class RegressionModel(nn.Module):
    def __init__(self, n_in, hp: Hparams):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, hp.hidden), nn.SiLU(), nn.Dropout(hp.dropout),
                                  nn.Linear(hp.hidden, hp.hidden), nn.SiLU())
        self.head = nn.Linear(hp.hidden, 1)

    def forward(self, x):
        return self.head(self.body(x)).squeeze(-1)


class Trainer:
    def __init__(self, model, hp: Hparams):
        self.model, self.hp = model, hp
        self.crit = nn.MSELoss()
        self.opt = torch.optim.Adam(model.parameters(), lr=hp.lr)
        self.best, self.bad, self.best_state = math.inf, 0, None

    def _epoch(self, loader, train):
        self.model.train(train)
        tot, n = 0.0, 0
        with torch.set_grad_enabled(train):
            for x, y in loader:
                pred = self.model(x)
                loss = self.crit(pred, y)
                if train:
                    self.opt.zero_grad()
                    loss.backward()
                    self.opt.step()
                tot += loss.item() * len(y)
                n += len(y)
        return tot / n

    def fit(self, train_dl, val_dl):
        for ep in range(self.hp.epochs):
            tr = self._epoch(train_dl, True)
            va = self._epoch(val_dl, False)
            log.info("epoch %d train_mse %.4f val_mse %.4f", ep, tr, va)
            if va < self.best - 1e-4:
                self.best, self.bad = va, 0
                self.best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
            else:
                self.bad += 1
                if self.bad >= self.hp.patience:
                    log.info("early stop at epoch %d", ep)
                    break
        self.model.load_state_dict(self.best_state)
        return self.best


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=60)
    a = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    hp = Hparams(epochs=a.epochs)
    train_ds = InsuranceData(5000, 0)
    val_ds = InsuranceData(1000, 1, stats=train_ds.stats)
    model = RegressionModel(4, hp)
    best = Trainer(model, hp).fit(DataLoader(train_ds, batch_size=hp.batch_size, shuffle=True),
                                  DataLoader(val_ds, batch_size=512))
    print("best val mse (standardised):", best)
    torch.save(model.state_dict(), "insurance_reg.pt")
