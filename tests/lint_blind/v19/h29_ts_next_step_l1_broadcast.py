# expect: TVL009
# style: time-series next-step forecaster (LSTM) with data-prep functions and a fit() helper
# bug: `make_windows` builds targets as series[t+window] (1-D per batch -> (B,)) while the LSTM head is nn.Linear(hidden, 1) giving (B, 1); F.l1_loss in `fit` broadcasts to (B, B)
import argparse
import logging
import math

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("sales")


def load_sales(n_days=3000, seed=0):
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2015-01-01", periods=n_days, freq="D")
    trend = np.linspace(100, 180, n_days)
    weekly = 15 * np.sin(2 * np.pi * np.arange(n_days) / 7)
    yearly = 30 * np.sin(2 * np.pi * np.arange(n_days) / 365.25)
    sales = trend + weekly + yearly + rng.normal(0, 6, n_days)
    return pd.DataFrame({"sales": sales, "dow": idx.dayofweek, "month": idx.month}, index=idx)


def add_features(df):
    out = df.copy()
    out["dow_sin"] = np.sin(2 * np.pi * out["dow"] / 7)
    out["dow_cos"] = np.cos(2 * np.pi * out["dow"] / 7)
    out["m_sin"] = np.sin(2 * np.pi * out["month"] / 12)
    out["m_cos"] = np.cos(2 * np.pi * out["month"] / 12)
    return out


def make_windows(df, window, feat_cols, mean, std):
    vals = df[feat_cols].values.astype(np.float32)
    target = ((df["sales"].values - mean) / std).astype(np.float32)
    xs, ys = [], []
    for t in range(len(df) - window):
        xs.append(vals[t:t + window])
        ys.append(target[t + window])
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.array(ys))


class LSTMForecaster(nn.Module):
    def __init__(self, n_feat, hidden=64, layers=2, dropout=0.2):
        super().__init__()
        self.lstm = nn.LSTM(n_feat, hidden, layers, batch_first=True, dropout=dropout)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1, :])


def fit(model, train_dl, val_dl, epochs, lr, std):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=4)
    best, best_state = math.inf, None
    for epoch in range(epochs):
        model.train()
        tr = []
        for xb, yb in train_dl:
            pred = model(xb)
            loss = F.l1_loss(pred, yb)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tr.append(loss.item())
        model.eval()
        errs = []
        with torch.no_grad():
            for xb, yb in val_dl:
                errs.append((model(xb).squeeze(-1) - yb).abs().mean().item())
        val_mae = float(np.mean(errs)) * std
        sched.step(val_mae)
        log.info("epoch %d train_l1 %.4f val_MAE %.2f units", epoch, np.mean(tr), val_mae)
        if val_mae < best:
            best, best_state = val_mae, {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    return model, best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--window", type=int, default=28)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--bs", type=int, default=64)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)

    df = add_features(load_sales())
    df["sales_z"] = df["sales"]
    split = int(len(df) * 0.85)
    tr_df, va_df = df.iloc[:split], df.iloc[split - args.window:]
    mean, std = tr_df["sales"].mean(), tr_df["sales"].std()
    df_norm = lambda d: d.assign(sales_z=(d["sales"] - mean) / std)
    feat_cols = ["sales_z", "dow_sin", "dow_cos", "m_sin", "m_cos"]
    x_tr, y_tr = make_windows(df_norm(tr_df), args.window, feat_cols, mean, std)
    x_va, y_va = make_windows(df_norm(va_df), args.window, feat_cols, mean, std)
    log.info("train windows %s targets %s", tuple(x_tr.shape), tuple(y_tr.shape))

    train_dl = DataLoader(TensorDataset(x_tr, y_tr), batch_size=args.bs, shuffle=True)
    val_dl = DataLoader(TensorDataset(x_va, y_va), batch_size=512)
    model, best = fit(LSTMForecaster(len(feat_cols)), train_dl, val_dl, args.epochs, args.lr, std)
    log.info("best val MAE %.2f", best)
    torch.save(model.state_dict(), "lstm_sales.pt")


if __name__ == "__main__":
    main()
