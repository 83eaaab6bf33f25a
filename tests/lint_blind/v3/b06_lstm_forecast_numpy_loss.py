# expect: TVL002
# style: time-series forecasting repo (sliding-window Dataset, LSTM encoder, custom metric/loss module)
# bug: the custom SMAPELoss converts predictions with .detach().numpy() and re-wraps the result with torch.tensor, so backward never reaches the LSTM
import argparse
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class WindowDataset(Dataset):
    def __init__(self, series, lookback, horizon):
        self.s = series.astype(np.float32)
        self.lookback, self.horizon = lookback, horizon

    def __len__(self):
        return len(self.s) - self.lookback - self.horizon

    def __getitem__(self, i):
        x = self.s[i:i + self.lookback]
        y = self.s[i + self.lookback:i + self.lookback + self.horizon]
        return torch.from_numpy(x).unsqueeze(-1), torch.from_numpy(y)


class LSTMForecaster(nn.Module):
    def __init__(self, hidden, horizon, layers=2):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, layers, batch_first=True, dropout=0.1)
        self.proj = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.proj(out[:, -1])


class SMAPELoss(nn.Module):
    def forward(self, pred, target):
        p = pred.detach().cpu().numpy()
        t = target.cpu().numpy()
        val = np.mean(2.0 * np.abs(p - t) / (np.abs(p) + np.abs(t) + 1e-8))
        return torch.tensor(val, requires_grad=True)


def fit(model, loader, criterion, optimizer, epochs):
    for ep in range(epochs):
        model.train()
        running = 0.0
        for x, y in loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            optimizer.step()
            running += loss.item() * x.size(0)
        print(f"[{ep + 1}/{epochs}] smape={running / len(loader.dataset):.4f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--lookback", type=int, default=96)
    p.add_argument("--horizon", type=int, default=24)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--epochs", type=int, default=20)
    args = p.parse_args()
    t = np.arange(5000)
    series = np.sin(t / 24.0) + 0.1 * np.random.randn(5000) + 2.0
    ds = WindowDataset(series, args.lookback, args.horizon)
    loader = DataLoader(ds, batch_size=64, shuffle=True)
    model = LSTMForecaster(args.hidden, args.horizon)
    fit(model, loader, SMAPELoss(), torch.optim.Adam(model.parameters(), lr=1e-3), args.epochs)
