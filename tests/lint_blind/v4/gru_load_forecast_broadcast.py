# expect: TVL009
# style: electricity-load forecasting script (GRU one-step-ahead, pandas-free, argparse)
# bug: the head is nn.Linear(hidden, 1) giving (B, 1) predictions, the target is (B,), and F.mse_loss broadcasts them to (B, B)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class LoadWindows(Dataset):
    def __init__(self, load, temp, lookback=96):
        self.load, self.temp, self.lookback = load, temp, lookback

    def __len__(self):
        return len(self.load) - self.lookback - 1

    def __getitem__(self, i):
        j = i + self.lookback
        x = torch.stack([self.load[i:j], self.temp[i:j]], dim=-1)
        y = self.load[j]
        return x, y


class GRUForecaster(nn.Module):
    def __init__(self, n_feat=2, hidden=64):
        super().__init__()
        self.gru = nn.GRU(n_feat, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        _, h = self.gru(x)
        return self.head(h[-1])


def train(model, loader, epochs, lr):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for epoch in range(epochs):
        model.train()
        running = 0.0
        for x, y in loader:
            y_hat = model(x)
            loss = F.mse_loss(y_hat, y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            running += loss.item()
        print(f"epoch {epoch:3d} | train mse {running / len(loader):.5f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lookback", type=int, default=96)
    args = ap.parse_args()
    t = torch.arange(20000, dtype=torch.float32)
    load = torch.sin(2 * torch.pi * t / 96) + 0.05 * torch.randn_like(t)
    temp = torch.cos(2 * torch.pi * t / (96 * 365)) + 0.1 * torch.randn_like(t)
    loader = DataLoader(LoadWindows(load, temp, args.lookback), batch_size=128, shuffle=True)
    train(GRUForecaster(), loader, args.epochs, args.lr)
