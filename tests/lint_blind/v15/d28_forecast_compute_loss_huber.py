# expect: TVL009
# style: demand-forecasting package with a BaseForecaster class, compute_loss() in a separate losses module section
# bug: the GRU forecaster's head is nn.Linear(hidden, 1) so forward() returns (B, 1), while the dataset yields next-day demand as a 1-D (B,) target; compute_loss() passes both to F.huber_loss, which broadcasts to (B, B)
import argparse
import logging
import math
from typing import Dict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("forecast")


# ----------------------------------------------------------------------------- data
class StoreDemand(Dataset):
    def __init__(self, n_stores=50, days=730, lookback=28, split="train"):
        rng = np.random.default_rng(0)
        t = np.arange(days)
        base = rng.uniform(20, 200, (n_stores, 1))
        season = 1 + 0.3 * np.sin(2 * np.pi * t / 365)[None] + 0.15 * np.sin(2 * np.pi * t / 7)[None]
        self.sales = (base * season + rng.normal(0, 5, (n_stores, days))).astype(np.float32)
        self.scale = self.sales[:, : days - 90].mean(1, keepdims=True)
        self.sales /= self.scale
        self.lookback = lookback
        lo, hi = (lookback, days - 90) if split == "train" else (days - 90, days - 1)
        self.index = [(s, d) for s in range(n_stores) for d in range(lo, hi)]

    def __len__(self):
        return len(self.index)

    def __getitem__(self, k) -> Dict[str, torch.Tensor]:
        s, d = self.index[k]
        hist = self.sales[s, d - self.lookback : d]
        dow = np.eye(7, dtype=np.float32)[np.arange(d - self.lookback, d) % 7]
        x = np.concatenate([hist[:, None], dow], 1)
        return {"x": torch.from_numpy(x), "y": torch.tensor(self.sales[s, d]), "store": torch.tensor(s)}


# ----------------------------------------------------------------------------- models
class BaseForecaster(nn.Module):
    def predict(self, batch):
        return self(batch["x"])


class GRUForecaster(BaseForecaster):
    def __init__(self, n_in=8, hidden=64, layers=2, dropout=0.1):
        super().__init__()
        self.rnn = nn.GRU(n_in, hidden, layers, batch_first=True, dropout=dropout)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


# ----------------------------------------------------------------------------- losses
def compute_loss(pred, batch, delta=0.5):
    return F.huber_loss(pred, batch["y"], delta=delta)


def smape(pred, target):
    return (200 * (pred - target).abs() / (pred.abs() + target.abs() + 1e-6)).mean()


# ----------------------------------------------------------------------------- train
def train(model, train_dl, val_dl, epochs, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=2)
    for ep in range(epochs):
        model.train()
        running = 0.0
        for batch in train_dl:
            pred = model.predict(batch)
            loss = compute_loss(pred, batch)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            running += loss.item()
        val = evaluate(model, val_dl)
        sched.step(val["smape"])
        log.info("epoch %d loss %.4f val_smape %.2f val_rmse %.4f", ep, running / len(train_dl), val["smape"], val["rmse"])


@torch.no_grad()
def evaluate(model, dl):
    model.eval()
    preds, ys = [], []
    for batch in dl:
        preds.append(model.predict(batch).view(-1))
        ys.append(batch["y"])
    p, y = torch.cat(preds), torch.cat(ys)
    return {"smape": smape(p, y).item(), "rmse": math.sqrt(F.mse_loss(p, y).item())}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=256)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    train_dl = DataLoader(StoreDemand(split="train"), batch_size=args.batch_size, shuffle=True, num_workers=2)
    val_dl = DataLoader(StoreDemand(split="val"), batch_size=1024)
    model = GRUForecaster()
    train(model, train_dl, val_dl, args.epochs, args.lr)
    torch.save(model.state_dict(), "gru_forecaster.pt")
