# expect: clean
# style: N-BEATS-like forecaster where blocks are kept in nn.ModuleList and basis matrices are buffers; block specs in a plain list
# note: the model keeps plain Python lists and fixed tensors as attributes (TVL005 look-alike), but the lists hold only ints/strings (block specs), the blocks are in nn.ModuleList, and the non-learnable basis tensors are registered buffers
import argparse
import logging
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("nbeats")


def trend_basis(degree, length):
    t = torch.arange(length, dtype=torch.float32) / length
    return torch.stack([t ** i for i in range(degree + 1)])


def season_basis(harmonics, length):
    t = torch.arange(length, dtype=torch.float32) / length
    rows = [torch.ones(length)]
    for k in range(1, harmonics + 1):
        rows += [torch.cos(2 * math.pi * k * t), torch.sin(2 * math.pi * k * t)]
    return torch.stack(rows)


class Block(nn.Module):
    def __init__(self, kind, backcast, horizon, hidden=256, degree=3, harmonics=6):
        super().__init__()
        self.kind = kind
        if kind == "trend":
            bb, fb = trend_basis(degree, backcast), trend_basis(degree, horizon)
        else:
            bb, fb = season_basis(harmonics, backcast), season_basis(harmonics, horizon)
        self.register_buffer("back_basis", bb)
        self.register_buffer("fore_basis", fb)
        self.fc = nn.Sequential(nn.Linear(backcast, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.theta_b = nn.Linear(hidden, bb.size(0), bias=False)
        self.theta_f = nn.Linear(hidden, fb.size(0), bias=False)

    def forward(self, x):
        h = self.fc(x)
        return self.theta_b(h) @ self.back_basis, self.theta_f(h) @ self.fore_basis


class NBeats(nn.Module):
    def __init__(self, backcast, horizon, stack_spec=("trend", "trend", "season", "season", "season")):
        super().__init__()
        self.stack_spec = list(stack_spec)
        self.block_sizes = [backcast, horizon]
        self.blocks = nn.ModuleList([Block(k, backcast, horizon) for k in self.stack_spec])

    def forward(self, x):
        residual, forecast = x, 0.0
        for b in self.blocks:
            back, fore = b(residual)
            residual = residual - back
            forecast = forecast + fore
        return forecast


def make_series(n_series=400, length=600, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    out = []
    for _ in range(n_series):
        s = rng.uniform(0.5, 2) * np.sin(2 * np.pi * t / rng.choice([12, 24, 52])) + rng.uniform(-0.01, 0.01) * t
        out.append(s + 0.2 * rng.normal(size=length))
    return np.stack(out).astype(np.float32)


def windows(series, backcast, horizon, stride=7):
    xs, ys = [], []
    for s in series:
        for i in range(0, len(s) - backcast - horizon, stride):
            xs.append(s[i:i + backcast])
            ys.append(s[i + backcast:i + backcast + horizon])
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))


def smape(pred, true):
    return (200 * (pred - true).abs() / (pred.abs() + true.abs() + 1e-8)).mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backcast", type=int, default=84)
    ap.add_argument("--horizon", type=int, default=14)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    series = make_series()
    x_tr, y_tr = windows(series[:, :500], args.backcast, args.horizon)
    x_va, y_va = windows(series[:, 500 - args.backcast:], args.backcast, args.horizon)
    train_dl = DataLoader(TensorDataset(x_tr, y_tr), batch_size=1024, shuffle=True)
    val_dl = DataLoader(TensorDataset(x_va, y_va), batch_size=4096)
    model = NBeats(args.backcast, args.horizon)
    log.info("learnable params %d, buffers %d", sum(p.numel() for p in model.parameters()),
             sum(b.numel() for b in model.buffers()))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for xb, yb in train_dl:
            loss = F.l1_loss(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            s = np.mean([smape(model(xb), yb) for xb, yb in val_dl])
        log.info("epoch %d l1 %.4f val sMAPE %.2f", epoch, tot / len(train_dl), s)
    torch.save(model.state_dict(), "nbeats.pt")


if __name__ == "__main__":
    main()
