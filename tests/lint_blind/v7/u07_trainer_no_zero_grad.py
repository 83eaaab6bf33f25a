# expect: TVL003
# style: Trainer class with train_step/fit methods, time-series forecasting (LSTM)
# bug: Trainer.train_step calls loss.backward() and self.optim.step() but nothing in the Trainer ever clears gradients, so they accumulate across all batches.
import argparse
import json
import math
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class WindowDataset(Dataset):
    def __init__(self, series, window=48, horizon=12):
        self.series = torch.as_tensor(series, dtype=torch.float32)
        self.window, self.horizon = window, horizon

    def __len__(self):
        return len(self.series) - self.window - self.horizon

    def __getitem__(self, i):
        x = self.series[i:i + self.window]
        y = self.series[i + self.window:i + self.window + self.horizon]
        return x.unsqueeze(-1), y


class LSTMForecaster(nn.Module):
    def __init__(self, hidden=64, horizon=12, layers=2):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=layers, batch_first=True, dropout=0.1)
        self.proj = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.proj(out[:, -1])


class Trainer:
    def __init__(self, model, lr, clip=1.0, device="cpu"):
        self.model = model.to(device)
        self.device = device
        self.clip = clip
        self.optim = torch.optim.Adam(model.parameters(), lr=lr)
        self.loss_fn = nn.SmoothL1Loss()
        self.history = []

    def train_step(self, x, y):
        pred = self.model(x.to(self.device))
        loss = self.loss_fn(pred, y.to(self.device))
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.optim.step()
        return loss.item()

    @torch.no_grad()
    def validate(self, loader):
        self.model.eval()
        se, n = 0.0, 0
        for x, y in loader:
            pred = self.model(x.to(self.device)).cpu()
            se += ((pred - y) ** 2).sum().item()
            n += y.numel()
        self.model.train()
        return math.sqrt(se / n)

    def fit(self, train_loader, val_loader, epochs):
        self.model.train()
        for ep in range(epochs):
            losses = [self.train_step(x, y) for x, y in train_loader]
            rmse = self.validate(val_loader)
            self.history.append({"epoch": ep, "train": float(np.mean(losses)), "val_rmse": rmse})
            print(json.dumps(self.history[-1]))


def make_series(n=6000):
    t = np.arange(n)
    return np.sin(2 * np.pi * t / 24) + 0.5 * np.sin(2 * np.pi * t / 168) + 0.1 * np.random.randn(n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="out/lstm")
    args = ap.parse_args()
    s = make_series()
    cut = int(len(s) * 0.8)
    train_dl = DataLoader(WindowDataset(s[:cut]), batch_size=64, shuffle=True)
    val_dl = DataLoader(WindowDataset(s[cut:]), batch_size=256)
    trainer = Trainer(LSTMForecaster(), args.lr)
    trainer.fit(train_dl, val_dl, args.epochs)
    os.makedirs(args.out, exist_ok=True)
    torch.save(trainer.model.state_dict(), os.path.join(args.out, "model.pt"))


if __name__ == "__main__":
    main()
