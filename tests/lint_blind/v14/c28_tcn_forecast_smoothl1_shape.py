# expect: TVL009
# style: research repo, temporal conv net for one-step-ahead traffic forecasting, loss in a separate compute_loss()
# bug: TCN.head is nn.Linear(channels, 1) giving (B, 1) while the dataset returns a scalar target per window (batch (B,)); compute_loss's smooth_l1 broadcasts to (B, B)
import argparse
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class SensorWindows(Dataset):
    def __init__(self, values, window):
        self.v = torch.as_tensor(values, dtype=torch.float32)
        self.w = window

    def __len__(self):
        return len(self.v) - self.w - 1

    def __getitem__(self, i):
        x = self.v[i:i + self.w]              # (window, n_sensors)
        y = self.v[i + self.w, 0]             # next reading of the target sensor
        return x.t(), y


class CausalConv(nn.Module):
    def __init__(self, cin, cout, k, dilation):
        super().__init__()
        self.pad = (k - 1) * dilation
        self.conv = nn.Conv1d(cin, cout, k, dilation=dilation)

    def forward(self, x):
        return self.conv(F.pad(x, (self.pad, 0)))


class TCN(nn.Module):
    def __init__(self, n_in, channels=64, levels=5, k=3, dropout=0.1):
        super().__init__()
        layers, cin = [], n_in
        for i in range(levels):
            layers += [CausalConv(cin, channels, k, 2 ** i), nn.ReLU(), nn.Dropout(dropout)]
            cin = channels
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(channels, 1)

    def forward(self, x):
        return self.head(self.body(x)[:, :, -1])


def compute_loss(pred, target, beta=0.5):
    return F.smooth_l1_loss(pred, target, beta=beta)


def simulate(n=20000, sensors=8, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)[:, None]
    daily = np.sin(2 * np.pi * t / 288 + rng.uniform(0, 1, sensors))
    return (daily + 0.3 * rng.standard_normal((n, sensors))).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--window", type=int, default=144)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--out", default="runs/tcn")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    data = simulate()
    cut = int(0.85 * len(data))
    train_dl = DataLoader(SensorWindows(data[:cut], args.window), batch_size=128, shuffle=True, num_workers=2)
    val_dl = DataLoader(SensorWindows(data[cut:], args.window), batch_size=512)

    model = TCN(data.shape[1])
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    history = []
    for epoch in range(args.epochs):
        model.train()
        tr = []
        for x, y in train_dl:
            loss = compute_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tr.append(loss.item())
        model.eval()
        errs = []
        with torch.no_grad():
            for x, y in val_dl:
                errs.append((model(x).squeeze(-1) - y).abs())
        mae = torch.cat(errs).mean().item()
        history.append({"epoch": epoch, "train": float(np.mean(tr)), "val_mae": mae})
        print(history[-1])
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump(history, f, indent=1)
    torch.save(model.state_dict(), os.path.join(args.out, "tcn.pt"))


if __name__ == "__main__":
    main()
