# expect: TVL004
# style: time-series forecasting repo, fit()/evaluate() helpers with a GRU + dropout
# bug: fit() calls model.train() once before the epoch loop while evaluate() (called every epoch) leaves the model in eval mode, so dropout is off for every epoch after the first.
import argparse
import json
import math
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class WindowDataset(Dataset):
    def __init__(self, series, in_len=96, out_len=24):
        self.s, self.i, self.o = series, in_len, out_len

    def __len__(self):
        return len(self.s) - self.i - self.o

    def __getitem__(self, idx):
        x = self.s[idx: idx + self.i]
        y = self.s[idx + self.i: idx + self.i + self.o, 0]
        return x, y


def make_series(n=8000, n_feat=4):
    t = torch.arange(n, dtype=torch.float32)
    base = torch.sin(2 * math.pi * t / 24) + 0.5 * torch.sin(2 * math.pi * t / 168)
    feats = [base + 0.1 * torch.randn(n)] + [torch.randn(n) * 0.5 for _ in range(n_feat - 1)]
    return torch.stack(feats, 1)


class GRUForecaster(nn.Module):
    def __init__(self, n_feat, hidden=128, layers=2, out_len=24, dropout=0.2):
        super().__init__()
        self.gru = nn.GRU(n_feat, hidden, layers, batch_first=True, dropout=dropout)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, out_len)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(self.drop(out[:, -1]))


def evaluate(model, loader, device):
    model.eval()
    se, ae, n = 0.0, 0.0, 0
    with torch.no_grad():
        for x, y in loader:
            pred = model(x.to(device)).cpu()
            se += (pred - y).pow(2).sum().item()
            ae += (pred - y).abs().sum().item()
            n += y.numel()
    return {"mse": se / n, "mae": ae / n}


def fit(model, train_dl, val_dl, epochs, lr, device, ckpt):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    history = []
    best = float("inf")
    model.train()
    for epoch in range(epochs):
        tot, nb = 0.0, 0
        for x, y in train_dl:
            x, y = x.to(device), y.to(device)
            opt.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item()
            nb += 1
        metrics = evaluate(model, val_dl, device)
        metrics.update(epoch=epoch, train_mse=tot / nb)
        history.append(metrics)
        print(json.dumps(metrics))
        if metrics["mse"] < best:
            best = metrics["mse"]
            torch.save(model.state_dict(), ckpt)
    return history


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--in-len", type=int, default=96)
    ap.add_argument("--out-len", type=int, default=24)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--workdir", default="runs/gru")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    series = make_series()
    series = (series - series.mean(0)) / series.std(0)
    cut = int(0.8 * len(series))
    train_ds = WindowDataset(series[:cut], args.in_len, args.out_len)
    val_ds = WindowDataset(series[cut:], args.in_len, args.out_len)
    train_dl = DataLoader(train_ds, batch_size=64, shuffle=True, drop_last=True)
    val_dl = DataLoader(val_ds, batch_size=256)

    model = GRUForecaster(series.shape[1], out_len=args.out_len).to(device)
    hist = fit(model, train_dl, val_dl, args.epochs, args.lr, device, os.path.join(args.workdir, "best.pt"))
    with open(os.path.join(args.workdir, "history.json"), "w") as f:
        json.dump(hist, f, indent=1)


if __name__ == "__main__":
    main()
