# expect: TVL002
# style: time-series forecasting repo with argparse, scaler utilities in a separate section
# bug: `to_original_scale` round-trips the forecast through numpy (detach) and `training_step` re-wraps it with requires_grad_(), so the loss has no path back to the GRU forecaster
import argparse
import json
import logging
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("forecast")


def get_args():
    ap = argparse.ArgumentParser(description="GRU load forecaster")
    ap.add_argument("--window", type=int, default=96)
    ap.add_argument("--horizon", type=int, default=24)
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="out/gru_load")
    return ap.parse_args()


class MinMax:
    def __init__(self, series):
        self.lo = float(series.min())
        self.hi = float(series.max())

    def transform(self, x):
        return (x - self.lo) / (self.hi - self.lo + 1e-8)

    def inverse(self, x):
        return x * (self.hi - self.lo + 1e-8) + self.lo


class WindowDataset(Dataset):
    def __init__(self, series, window, horizon):
        self.s = series.astype(np.float32)
        self.w = window
        self.h = horizon

    def __len__(self):
        return len(self.s) - self.w - self.h

    def __getitem__(self, i):
        x = self.s[i:i + self.w]
        y = self.s[i + self.w:i + self.w + self.h]
        return torch.from_numpy(x).unsqueeze(-1), torch.from_numpy(y)


class GRUForecaster(nn.Module):
    def __init__(self, hidden, horizon):
        super().__init__()
        self.gru = nn.GRU(1, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out[:, -1])


def synthetic_load(n=20000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    daily = np.sin(2 * np.pi * t / 24)
    weekly = 0.5 * np.sin(2 * np.pi * t / (24 * 7))
    return 500 + 120 * daily + 60 * weekly + rng.normal(0, 15, n)


def to_original_scale(pred, scaler):
    """Forecasts are produced in [0, 1]; report them in MW."""
    arr = pred.detach().cpu().numpy()
    return torch.from_numpy(scaler.inverse(arr)).float()


def training_step(model, batch, scaler, device):
    x, y = batch
    x = x.to(device)
    pred_mw = to_original_scale(model(x), scaler).to(device).requires_grad_()
    y_mw = torch.from_numpy(scaler.inverse(y.numpy())).float().to(device)
    return nn.functional.l1_loss(pred_mw, y_mw)


@torch.no_grad()
def validate(model, loader, scaler, device):
    model.eval()
    errs = []
    for x, y in loader:
        p = to_original_scale(model(x.to(device)), scaler)
        errs.append((p - torch.from_numpy(scaler.inverse(y.numpy()))).abs().mean().item())
    model.train()
    return float(np.mean(errs))


def main():
    args = get_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    raw = synthetic_load()
    split = int(0.8 * len(raw))
    scaler = MinMax(raw[:split])
    series = scaler.transform(raw)
    train_ds = WindowDataset(series[:split], args.window, args.horizon)
    val_ds = WindowDataset(series[split:], args.window, args.horizon)
    train_dl = DataLoader(train_ds, batch_size=args.bs, shuffle=True, drop_last=True)
    val_dl = DataLoader(val_ds, batch_size=256)

    model = GRUForecaster(args.hidden, args.horizon).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    best = float("inf")
    for epoch in range(args.epochs):
        model.train()
        losses = []
        for batch in train_dl:
            loss = training_step(model, batch, scaler, device)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        mae = validate(model, val_dl, scaler, device)
        log.info("epoch %d train_mae %.2f val_mae %.2f", epoch, np.mean(losses), mae)
        if mae < best:
            best = mae
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump({"best_val_mae": best}, f)


if __name__ == "__main__":
    main()
