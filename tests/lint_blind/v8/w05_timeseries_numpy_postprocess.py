# expect: TVL002
# style: time-series forecasting repo with argparse, LSTM forecaster, inverse scaling helper
# bug: `denormalize` converts predictions to numpy (detach().cpu().numpy()) for the scaler and the caller re-wraps them with torch.from_numpy before computing the loss, so no gradient reaches the LSTM
import argparse
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class StandardScaler:
    def __init__(self):
        self.mean = None
        self.std = None

    def fit(self, arr):
        self.mean = arr.mean(axis=0)
        self.std = arr.std(axis=0) + 1e-8
        return self

    def transform(self, arr):
        return (arr - self.mean) / self.std

    def inverse_transform(self, arr):
        return arr * self.std + self.mean


class WindowDataset(Dataset):
    def __init__(self, series, window, horizon):
        self.series = series.astype(np.float32)
        self.window = window
        self.horizon = horizon

    def __len__(self):
        return len(self.series) - self.window - self.horizon + 1

    def __getitem__(self, i):
        x = self.series[i:i + self.window]
        y = self.series[i + self.window:i + self.window + self.horizon, 0]
        return torch.from_numpy(x), torch.from_numpy(y)


class LSTMForecaster(nn.Module):
    def __init__(self, n_features, hidden, horizon, layers=2):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden, num_layers=layers, batch_first=True, dropout=0.1)
        self.proj = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.proj(out[:, -1])


def denormalize(pred, scaler):
    """Map model output (target column, normalised) back to original units."""
    arr = pred.detach().cpu().numpy()
    return arr * scaler.std[0] + scaler.mean[0]


def compute_loss(model, batch, scaler, device):
    x, y = batch
    pred = model(x.to(device))
    # loss in real units so that MAE is interpretable (kWh)
    pred_real = torch.from_numpy(denormalize(pred, scaler)).to(device)
    y_real = y.to(device) * float(scaler.std[0]) + float(scaler.mean[0])
    loss = nn.functional.l1_loss(pred_real, y_real)
    if not loss.requires_grad:
        loss.requires_grad_(True)
    return loss


def parse():
    p = argparse.ArgumentParser(description="LSTM load forecasting")
    p.add_argument("--window", type=int, default=96)
    p.add_argument("--horizon", type=int, default=24)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--bs", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--out", default="runs/lstm")
    return p.parse_args()


def main():
    args = parse()
    os.makedirs(args.out, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    t = np.arange(20000)
    raw = np.stack([np.sin(t / 24 * 2 * np.pi) + 0.1 * np.random.randn(len(t)),
                    np.cos(t / 168 * 2 * np.pi), np.random.randn(len(t)) * 0.05], axis=1)
    split = int(0.8 * len(raw))
    scaler = StandardScaler().fit(raw[:split])
    data = scaler.transform(raw)

    train_ds = WindowDataset(data[:split], args.window, args.horizon)
    val_ds = WindowDataset(data[split:], args.window, args.horizon)
    train_loader = DataLoader(train_ds, batch_size=args.bs, shuffle=True, drop_last=True)
    val_loader = DataLoader(val_ds, batch_size=args.bs * 4, shuffle=False)

    model = LSTMForecaster(raw.shape[1], args.hidden, args.horizon).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=3)

    best = float("inf")
    for epoch in range(args.epochs):
        model.train()
        tr = 0.0
        for batch in train_loader:
            opt.zero_grad()
            loss = compute_loss(model, batch, scaler, device)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tr += loss.item()
        model.eval()
        with torch.no_grad():
            va = sum(compute_loss(model, b, scaler, device).item() for b in val_loader) / len(val_loader)
        sched.step(va)
        print(f"epoch {epoch:03d} train_mae {tr / len(train_loader):.4f} val_mae {va:.4f}")
        if va < best:
            best = va
            torch.save({"model": model.state_dict(), "epoch": epoch}, os.path.join(args.out, "best.pt"))


if __name__ == "__main__":
    main()
