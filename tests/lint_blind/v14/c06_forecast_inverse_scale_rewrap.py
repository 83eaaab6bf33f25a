# expect: TVL002
# style: time-series forecasting utils + training script, sklearn-style scaler
# bug: to_original_scale() goes through numpy and re-wraps with requires_grad=True, so the loss backpropagates into a leaf and the LSTM never learns
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class StandardScaler:
    def fit(self, arr):
        self.mean_ = arr.mean(0)
        self.scale_ = arr.std(0) + 1e-8
        return self

    def transform(self, arr):
        return (arr - self.mean_) / self.scale_

    def inverse_transform(self, arr):
        return arr * self.scale_ + self.mean_


def to_original_scale(pred, scaler):
    """Undo the target normalisation so the loss is reported in real units (kWh)."""
    arr = pred.detach().cpu().numpy()
    arr = scaler.inverse_transform(arr)
    return torch.tensor(arr, dtype=torch.float32, requires_grad=True)


class WindowDataset(Dataset):
    def __init__(self, series, horizon, lookback):
        self.series = series
        self.h = horizon
        self.l = lookback

    def __len__(self):
        return len(self.series) - self.l - self.h

    def __getitem__(self, i):
        x = self.series[i:i + self.l]
        y = self.series[i + self.l:i + self.l + self.h, 0]
        return torch.from_numpy(x).float(), torch.from_numpy(y).float()


class LSTMForecaster(nn.Module):
    def __init__(self, n_features, hidden, horizon):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def make_series(n=6000, n_features=4, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    load = 50 + 10 * np.sin(2 * np.pi * t / 24) + 5 * np.sin(2 * np.pi * t / 168) + rng.normal(0, 2, n)
    extra = rng.normal(size=(n, n_features - 1))
    return np.column_stack([load, extra]).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lookback", type=int, default=96)
    ap.add_argument("--horizon", type=int, default=24)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()

    raw = make_series()
    split = int(0.8 * len(raw))
    feat_scaler = StandardScaler().fit(raw[:split])
    target_scaler = StandardScaler().fit(raw[:split, :1])
    target_scaler.mean_, target_scaler.scale_ = target_scaler.mean_[0], target_scaler.scale_[0]
    scaled = feat_scaler.transform(raw)

    train_ds = WindowDataset(scaled[:split], args.horizon, args.lookback)
    val_ds = WindowDataset(scaled[split:], args.horizon, args.lookback)
    train_loader = DataLoader(train_ds, batch_size=64, shuffle=True)
    val_loader = DataLoader(val_ds, batch_size=256)

    model = LSTMForecaster(raw.shape[1], 64, args.horizon)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.L1Loss()

    for epoch in range(args.epochs):
        model.train()
        train_mae = []
        for x, y in train_loader:
            pred = to_original_scale(model(x), target_scaler)
            target = torch.from_numpy(target_scaler.inverse_transform(y.numpy())).float()
            loss = loss_fn(pred, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            train_mae.append(loss.item())
        model.eval()
        val_mae = []
        with torch.no_grad():
            for x, y in val_loader:
                pred = to_original_scale(model(x), target_scaler)
                target = torch.from_numpy(target_scaler.inverse_transform(y.numpy())).float()
                val_mae.append(loss_fn(pred, target).item())
        print(f"epoch {epoch:02d} train MAE {np.mean(train_mae):.3f} kWh | val MAE {np.mean(val_mae):.3f} kWh")


if __name__ == "__main__":
    main()
