# expect: TVL003
# style: time-series forecasting LSTM script, inline loop with clipping and early stopping
# bug: model.zero_grad() sits after loss.backward() (next to the clipping) and before optimizer.step(), wiping the gradients before they are applied
import argparse
import copy

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class WindowDataset(Dataset):
    def __init__(self, series, lookback=48, horizon=12):
        self.s = torch.as_tensor(series, dtype=torch.float32)
        self.lookback, self.horizon = lookback, horizon

    def __len__(self):
        return len(self.s) - self.lookback - self.horizon

    def __getitem__(self, i):
        x = self.s[i:i + self.lookback]
        y = self.s[i + self.lookback:i + self.lookback + self.horizon]
        return x.unsqueeze(-1), y


class Forecaster(nn.Module):
    def __init__(self, hidden=64, layers=2, horizon=12):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, layers, batch_first=True, dropout=0.1)
        self.proj = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.proj(out[:, -1])


def make_series(n=6000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return np.sin(t * 2 * np.pi / 24) + 0.3 * np.sin(t * 2 * np.pi / 168) + 0.1 * rng.normal(size=n)


parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=50)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--patience", type=int, default=5)
parser.add_argument("--clip", type=float, default=1.0)
args = parser.parse_args()

series = make_series()
mu, sd = series[:4000].mean(), series[:4000].std()
series = (series - mu) / sd
train_ds = WindowDataset(series[:4000])
val_ds = WindowDataset(series[4000:5000])
test_ds = WindowDataset(series[5000:])
train_dl = DataLoader(train_ds, batch_size=128, shuffle=True)
val_dl = DataLoader(val_ds, batch_size=256)
test_dl = DataLoader(test_ds, batch_size=256)

model = Forecaster()
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
criterion = nn.MSELoss()
best_val, best_state, bad = float("inf"), None, 0

for epoch in range(args.epochs):
    model.train()
    train_loss = 0.0
    for x, y in train_dl:
        pred = model(x)
        loss = criterion(pred, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        model.zero_grad()
        optimizer.step()
        train_loss += loss.item() * x.size(0)
    train_loss /= len(train_ds)

    model.eval()
    with torch.no_grad():
        val_loss = sum(criterion(model(x), y).item() * x.size(0) for x, y in val_dl) / len(val_ds)
    print(f"epoch {epoch:03d} train {train_loss:.5f} val {val_loss:.5f}")

    if val_loss < best_val - 1e-5:
        best_val, best_state, bad = val_loss, copy.deepcopy(model.state_dict()), 0
    else:
        bad += 1
        if bad >= args.patience:
            print("early stopping")
            break

model.load_state_dict(best_state)
model.eval()
with torch.no_grad():
    mae = sum((model(x) - y).abs().sum().item() for x, y in test_dl) / (len(test_ds) * 12)
print(f"test MAE (normalised): {mae:.4f}, in original units {mae * sd:.4f}")
