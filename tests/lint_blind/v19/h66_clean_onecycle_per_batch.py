# expect: clean
# style: fastai-style one-cycle training of a tabular regressor (bike-sharing demand), Learner-ish helper class
# note: the scheduler is stepped every batch (TVL007 look-alike), but it is OneCycleLR sized with total_steps = epochs * len(loader), and it is stepped after optimizer.step()
import argparse
import logging

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("bikes")


def make_frame(n=17000, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "hour": rng.integers(0, 24, n),
        "weekday": rng.integers(0, 7, n),
        "season": rng.integers(0, 4, n),
        "temp": rng.uniform(0, 1, n),
        "hum": rng.uniform(0, 1, n),
        "wind": rng.uniform(0, 0.8, n),
    })
    peak = np.exp(-((df.hour - 8) ** 2) / 4) + np.exp(-((df.hour - 18) ** 2) / 4)
    df["cnt"] = (200 * peak + 150 * df.temp - 60 * df.hum + rng.normal(0, 20, n)).clip(0)
    return df


class TabNetLite(nn.Module):
    def __init__(self, n_num, cards, emb=6, hidden=(200, 100)):
        super().__init__()
        self.embs = nn.ModuleList([nn.Embedding(c, emb) for c in cards])
        layers, d = [], n_num + emb * len(cards)
        for h in hidden:
            layers += [nn.Linear(d, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(0.1)]
            d = h
        layers.append(nn.Linear(d, 1))
        self.mlp = nn.Sequential(*layers)

    def forward(self, x_cat, x_num):
        e = torch.cat([m(x_cat[:, i]) for i, m in enumerate(self.embs)], 1)
        return self.mlp(torch.cat([e, x_num], 1)).squeeze(1)


class OneCycleFit:
    def __init__(self, model, train_dl, val_dl, max_lr, epochs, wd=1e-2):
        self.model, self.train_dl, self.val_dl = model, train_dl, val_dl
        self.epochs = epochs
        self.opt = torch.optim.AdamW(model.parameters(), lr=max_lr / 25, weight_decay=wd)
        self.sched = torch.optim.lr_scheduler.OneCycleLR(
            self.opt, max_lr=max_lr, total_steps=epochs * len(train_dl), pct_start=0.25)

    def one_batch(self, x_cat, x_num, y):
        pred = self.model(x_cat, x_num)
        loss = F.mse_loss(pred, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.sched.step()
        return loss.item()

    def validate(self):
        self.model.eval()
        se, n = 0.0, 0
        with torch.no_grad():
            for x_cat, x_num, y in self.val_dl:
                se += ((self.model(x_cat, x_num) - y) ** 2).sum().item()
                n += y.numel()
        self.model.train()
        return float(np.sqrt(se / n))

    def fit(self):
        for epoch in range(self.epochs):
            self.model.train()
            losses = [self.one_batch(*b) for b in self.train_dl]
            rmse = self.validate()
            log.info("epoch %d train mse %.3f val rmse %.3f lr %.2e", epoch, np.mean(losses), rmse,
                     self.sched.get_last_lr()[0])


def lr_range_preview(total_steps, max_lr, pct_start=0.25, points=6):
    """Log the LR a OneCycle schedule would use at a few points, without touching the real optimizer."""
    dummy = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=max_lr / 25)
    sched = torch.optim.lr_scheduler.OneCycleLR(dummy, max_lr=max_lr, total_steps=total_steps, pct_start=pct_start)
    marks = {int(i * (total_steps - 1) / (points - 1)) for i in range(points)}
    seen = []
    for s in range(total_steps):
        if s in marks:
            seen.append((s, sched.get_last_lr()[0]))
        dummy.step()
        sched.step()
    return seen


def to_tensors(df, cat_cols, num_cols, y_mean, y_std):
    return TensorDataset(torch.tensor(df[cat_cols].values, dtype=torch.long),
                         torch.tensor(df[num_cols].values, dtype=torch.float32),
                         torch.tensor(((df["cnt"] - y_mean) / y_std).values, dtype=torch.float32))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--max-lr", type=float, default=3e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    df = make_frame()
    cat_cols, num_cols = ["hour", "weekday", "season"], ["temp", "hum", "wind"]
    tr, va = df.iloc[:14000], df.iloc[14000:]
    y_mean, y_std = tr.cnt.mean(), tr.cnt.std()
    train_dl = DataLoader(to_tensors(tr, cat_cols, num_cols, y_mean, y_std), batch_size=128, shuffle=True, drop_last=True)
    val_dl = DataLoader(to_tensors(va, cat_cols, num_cols, y_mean, y_std), batch_size=1024)
    model = TabNetLite(len(num_cols), [24, 7, 4])
    for s, lr in lr_range_preview(args.epochs * len(train_dl), args.max_lr):
        log.info("planned lr at step %d: %.2e", s, lr)
    OneCycleFit(model, train_dl, val_dl, args.max_lr, args.epochs).fit()
    torch.save({"model": model.state_dict(), "y_mean": float(y_mean), "y_std": float(y_std)}, "bikes_onecycle.pt")


if __name__ == "__main__":
    main()
