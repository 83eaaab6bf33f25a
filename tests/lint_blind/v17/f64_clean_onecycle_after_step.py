# expect: clean
# style: fastai-like hand-written fit_one_cycle() helper, tabular regression (bike sharing demand)
# note: OneCycleLR is stepped every batch, which is correct for a per-iteration schedule built with steps_per_epoch=len(loader), and it is stepped after optimizer.step().
import argparse
import math

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def bike_frame(n=17000, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"hour": rng.integers(0, 24, n), "weekday": rng.integers(0, 7, n),
                       "temp": rng.uniform(-5, 35, n), "humidity": rng.uniform(0.2, 1.0, n),
                       "windspeed": rng.gamma(2, 4, n), "holiday": rng.integers(0, 2, n)})
    peak = np.exp(-((df.hour - 8) ** 2) / 4) + np.exp(-((df.hour - 18) ** 2) / 4)
    df["count"] = np.maximum(0, 50 + 300 * peak * (df.weekday < 5) + 5 * df.temp - 80 * df.humidity
                             + rng.normal(0, 20, n)).round()
    return df


class TabularModel(nn.Module):
    def __init__(self, n_cont, emb_sizes, hidden=(200, 100), p=0.1):
        super().__init__()
        self.embs = nn.ModuleList([nn.Embedding(n, d) for n, d in emb_sizes])
        d_in = sum(d for _, d in emb_sizes) + n_cont
        layers = []
        for h in hidden:
            layers += [nn.Linear(d_in, h), nn.ReLU(), nn.BatchNorm1d(h), nn.Dropout(p)]
            d_in = h
        self.layers = nn.Sequential(*layers, nn.Linear(d_in, 1))

    def forward(self, cat, cont):
        x = torch.cat([e(cat[:, i]) for i, e in enumerate(self.embs)] + [cont], 1)
        return self.layers(x).squeeze(1)


def fit_one_cycle(model, train_dl, valid_dl, epochs, max_lr, wd=1e-2):
    opt = torch.optim.AdamW(model.parameters(), lr=max_lr / 25, weight_decay=wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, epochs=epochs, steps_per_epoch=len(train_dl))
    for epoch in range(epochs):
        model.train()
        tl = 0.0
        for cat, cont, y in train_dl:
            opt.zero_grad()
            loss = F.mse_loss(model(cat, cont), y)
            loss.backward()
            opt.step()
            sched.step()
            tl += loss.item()
        model.eval()
        with torch.no_grad():
            preds = torch.cat([model(c, x) for c, x, _ in valid_dl])
            ys = torch.cat([y for _, _, y in valid_dl])
            rmsle = torch.sqrt(F.mse_loss(torch.log1p(preds.expm1().clamp_min(0)), torch.log1p(ys.expm1()))).item()
        print(f"{epoch:2d} train_mse {tl / len(train_dl):.4f} valid_rmsle {rmsle:.4f} lr {sched.get_last_lr()[0]:.2e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--max-lr", type=float, default=1e-2)
    args = ap.parse_args()
    df = bike_frame()
    cats, conts = ["hour", "weekday", "holiday"], ["temp", "humidity", "windspeed"]
    cont = df[conts].values.astype(np.float32)
    cont = (cont - cont.mean(0)) / cont.std(0)
    cat = df[cats].values.astype(np.int64)
    y = np.log1p(df["count"].values).astype(np.float32)
    idx = np.random.default_rng(1).permutation(len(df))
    tr, va = idx[:14000], idx[14000:]
    t = lambda a: torch.from_numpy(a)
    train_dl = DataLoader(TensorDataset(t(cat[tr]), t(cont[tr]), t(y[tr])), batch_size=128, shuffle=True, drop_last=True)
    valid_dl = DataLoader(TensorDataset(t(cat[va]), t(cont[va]), t(y[va])), batch_size=1024)
    model = TabularModel(len(conts), [(24, 8), (7, 4), (2, 2)])
    fit_one_cycle(model, train_dl, valid_dl, args.epochs, args.max_lr)
    torch.save(model.state_dict(), "bike_tabular.pt")
    print("final lr-free check:", math.isfinite(sum(p.sum().item() for p in model.parameters())))


if __name__ == "__main__":
    main()
