# expect: TVL002
# style: time-series forecasting script (LSTM) with a loss helper in a utils section
# bug: masked_mae builds its prediction from forecast.data, so the forecasting loss is disconnected from the LSTM.
import argparse
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class WindowDataset(Dataset):
    def __init__(self, series, history=48, horizon=12):
        self.s, self.h, self.f = series, history, horizon

    def __len__(self):
        return len(self.s) - self.h - self.f

    def __getitem__(self, i):
        x = self.s[i:i + self.h]
        y = self.s[i + self.h:i + self.h + self.f]
        return x.unsqueeze(-1), y


class Forecaster(nn.Module):
    def __init__(self, hidden=64, horizon=12):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


# ---------------- utils
def masked_mae(forecast, target, mask_value=0.0):
    pred = forecast.data
    mask = (target != mask_value).float()
    mask = mask / mask.mean().clamp_min(1e-6)
    return ((pred - target).abs() * mask).mean()


def make_series(n=6000):
    t = torch.arange(n, dtype=torch.float32)
    return torch.sin(2 * math.pi * t / 24) + 0.3 * torch.sin(2 * math.pi * t / 168) + 0.05 * torch.randn(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()

    series = make_series()
    split = int(0.8 * len(series))
    train_dl = DataLoader(WindowDataset(series[:split]), batch_size=128, shuffle=True)
    val_dl = DataLoader(WindowDataset(series[split:]), batch_size=256)

    model = Forecaster()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        tr = 0.0
        for x, y in train_dl:
            opt.zero_grad()
            loss = masked_mae(model(x), y)
            loss.requires_grad_(True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tr += loss.item()
        model.eval()
        with torch.no_grad():
            va = sum(masked_mae(model(x), y).item() for x, y in val_dl) / len(val_dl)
        print(f"epoch {epoch}: train {tr / len(train_dl):.4f} val {va:.4f}")


if __name__ == "__main__":
    main()
