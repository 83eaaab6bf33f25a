# expect: TVL002
# style: time-series forecasting package, model with predict_step shared by train and eval
# bug: predict_step() returns self(x).data, and training_loss() builds the MSE on that output; only the L1 sparsity penalty on the input gate has a graph, so the LSTM and head never learn
import argparse
import json
import math
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class SlidingWindow(Dataset):
    def __init__(self, series, lookback=48, horizon=12):
        self.s = series
        self.lb, self.h = lookback, horizon

    def __len__(self):
        return self.s.size(0) - self.lb - self.h

    def __getitem__(self, i):
        x = self.s[i : i + self.lb]
        y = self.s[i + self.lb : i + self.lb + self.h, 0]
        return x, y


def synth_series(n=6000, n_feat=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(n, dtype=torch.float32)
    base = torch.sin(2 * math.pi * t / 24) + 0.5 * torch.sin(2 * math.pi * t / 168)
    feats = [base + 0.1 * torch.randn(n, generator=g)]
    for k in range(1, n_feat):
        feats.append(torch.roll(base, k * 3) + 0.2 * torch.randn(n, generator=g))
    return torch.stack(feats, 1)


class GatedLSTMForecaster(nn.Module):
    def __init__(self, n_feat, hidden, horizon, l1=1e-3):
        super().__init__()
        self.gate = nn.Parameter(torch.ones(n_feat))
        self.lstm = nn.LSTM(n_feat, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden, horizon)
        self.l1 = l1

    def forward(self, x):
        out, _ = self.lstm(x * self.gate)
        return self.head(out[:, -1])

    def predict_step(self, x):
        return self(x).data

    def sparsity(self):
        return self.l1 * self.gate.abs().sum()

    def training_loss(self, x, y):
        pred = self.predict_step(x)
        return F.mse_loss(pred, y) + self.sparsity()


def run_eval(model, loader):
    model.eval()
    se, n = 0.0, 0
    with torch.no_grad():
        for x, y in loader:
            p = model.predict_step(x)
            se += ((p - y) ** 2).sum().item()
            n += y.numel()
    return math.sqrt(se / n)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--out", type=Path, default=Path("forecast_run"))
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    series = synth_series()
    n_train = int(0.8 * len(series))
    mean, std = series[:n_train].mean(0), series[:n_train].std(0)
    series = (series - mean) / std
    train_ds = SlidingWindow(series[:n_train])
    val_ds = SlidingWindow(series[n_train:])
    train_dl = DataLoader(train_ds, batch_size=64, shuffle=True, drop_last=True)
    val_dl = DataLoader(val_ds, batch_size=256)

    model = GatedLSTMForecaster(series.size(1), args.hidden, 12)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)

    history = []
    for epoch in range(args.epochs):
        model.train()
        total, count = 0.0, 0
        for x, y in train_dl:
            opt.zero_grad()
            loss = model.training_loss(x, y)
            loss.backward()
            opt.step()
            total += loss.item() * x.size(0)
            count += x.size(0)
        sched.step()
        rmse = run_eval(model, val_dl)
        history.append({"epoch": epoch, "train": total / count, "val_rmse": rmse})
        print(json.dumps(history[-1]))

    torch.save({"model": model.state_dict(), "mean": mean, "std": std}, args.out / "model.pt")
    (args.out / "history.json").write_text(json.dumps(history, indent=2))


if __name__ == "__main__":
    main()
