# expect: TVL002
# style: time-series forecasting repo (LSTM seq2one forecaster, Trainer class with fit/validate)
# bug: Forecaster.forecast() returns the prediction via .data, so the MSE loss built in fit() never reaches the LSTM weights
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class WindowDataset(Dataset):
    def __init__(self, series, window=48, horizon=12):
        self.s, self.w, self.h = series, window, horizon

    def __len__(self):
        return len(self.s) - self.w - self.h

    def __getitem__(self, i):
        x = self.s[i:i + self.w].unsqueeze(-1)
        y = self.s[i + self.w:i + self.w + self.h]
        return x, y


class Forecaster(nn.Module):
    def __init__(self, hidden=64, horizon=12):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.proj = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.proj(out[:, -1])

    def forecast(self, x):
        return self(x).data


class Trainer:
    def __init__(self, model, lr):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.crit = nn.MSELoss()

    def fit(self, loader, epochs):
        for ep in range(epochs):
            self.model.train()
            total = 0.0
            for x, y in loader:
                pred = self.model.forecast(x)
                loss = self.crit(pred, y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                total += loss.item()
            print(f"epoch {ep}: mse={total / len(loader):.5f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    t = torch.arange(5000, dtype=torch.float32)
    series = torch.sin(t / 24) + 0.1 * torch.randn_like(t)
    loader = DataLoader(WindowDataset(series), batch_size=64, shuffle=True)
    Trainer(Forecaster(), args.lr).fit(loader, args.epochs)
