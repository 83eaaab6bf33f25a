# expect: clean
# style: time-series forecasting repo with a Forecaster class, ReduceLROnPlateau on validation loss, forecasts written per timestamp
# note: ReduceLROnPlateau is stepped once per epoch with the validation loss (its intended use), and the per-timestamp forecast file is built from an unshuffled test loader, so predictions line up with the timestamps.
import argparse
import math
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Windows(Dataset):
    def __init__(self, values, in_len, horizon):
        self.v, self.i, self.h = values, in_len, horizon

    def __len__(self):
        return len(self.v) - self.i - self.h + 1

    def __getitem__(self, k):
        return self.v[k:k + self.i], self.v[k + self.i:k + self.i + self.h, 0]


class LSTMForecaster(nn.Module):
    def __init__(self, n_feat, hidden=96, horizon=12):
        super().__init__()
        self.lstm = nn.LSTM(n_feat, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.out = nn.Linear(hidden, horizon)

    def forward(self, x):
        h, _ = self.lstm(x)
        return self.out(h[:, -1])


class Forecaster:
    def __init__(self, model, lr, out_dir):
        self.model, self.out_dir = model, out_dir
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.sched = torch.optim.lr_scheduler.ReduceLROnPlateau(self.opt, mode="min", factor=0.5, patience=2)

    def train_epoch(self, dl):
        self.model.train()
        tot = 0.0
        for x, y in dl:
            self.opt.zero_grad()
            loss = F.l1_loss(self.model(x), y)
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.opt.step()
            tot += loss.item() * len(x)
        return tot / len(dl.dataset)

    @torch.no_grad()
    def predict(self, dl):
        self.model.eval()
        return torch.cat([self.model(x) for x, _ in dl]).numpy()

    def fit(self, train_dl, val_dl, epochs):
        for epoch in range(epochs):
            tr = self.train_epoch(train_dl)
            preds = self.predict(val_dl)
            targets = torch.cat([y for _, y in val_dl]).numpy()
            val_mae = float(np.abs(preds - targets).mean())
            self.sched.step(val_mae)
            print(f"epoch {epoch} train_mae {tr:.4f} val_mae {val_mae:.4f} lr {self.opt.param_groups[0]['lr']:.1e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--in-len", type=int, default=72)
    ap.add_argument("--horizon", type=int, default=12)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--out-dir", default="forecast_out")
    args = ap.parse_args()
    idx = pd.date_range("2022-01-01", periods=12000, freq="h")
    load = 100 + 20 * np.sin(2 * np.pi * idx.hour / 24) + 10 * np.sin(2 * np.pi * idx.dayofweek / 7) + np.random.normal(0, 3, len(idx))
    temp = 10 + 8 * np.sin(2 * np.pi * idx.dayofyear / 365) + np.random.normal(0, 1, len(idx))
    vals = np.stack([load, temp], 1).astype(np.float32)
    a, b = int(0.7 * len(vals)), int(0.85 * len(vals))
    mu, sd = vals[:a].mean(0), vals[:a].std(0)
    vals = torch.from_numpy((vals - mu) / sd)
    train_dl = DataLoader(Windows(vals[:a], args.in_len, args.horizon), batch_size=64, shuffle=True)
    val_dl = DataLoader(Windows(vals[a:b], args.in_len, args.horizon), batch_size=256)
    test_ds = Windows(vals[b:], args.in_len, args.horizon)
    test_dl = DataLoader(test_ds, batch_size=256, shuffle=False)

    f = Forecaster(LSTMForecaster(2, horizon=args.horizon), 1e-3, args.out_dir)
    f.fit(train_dl, val_dl, args.epochs)
    preds = f.predict(test_dl) * sd[0] + mu[0]
    origin = idx[b + args.in_len - 1: b + args.in_len - 1 + len(test_ds)]
    out = pd.DataFrame(preds, columns=[f"t+{h + 1}" for h in range(args.horizon)])
    out.insert(0, "forecast_origin", origin)
    os.makedirs(args.out_dir, exist_ok=True)
    out.to_csv(os.path.join(args.out_dir, "test_forecasts.csv"), index=False)
    print(out.head(), "rows:", len(out), "sanity:", math.isfinite(float(preds.mean())))


if __name__ == "__main__":
    main()
