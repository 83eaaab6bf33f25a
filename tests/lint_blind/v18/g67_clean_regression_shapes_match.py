# expect: clean
# style: tabular regression (bike-sharing demand) with an nn.Linear(..., 1) head, Dataset returning (1,) targets
# note: the model ends in nn.Linear(64, 1) and MSELoss is used, which looks like TVL009, but the Dataset returns the target with shape (1,), so batches are (B, 1) vs (B, 1); the evaluation path squeezes both sides.
import argparse
import logging

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("bikes")


def make_frame(n, seed):
    rng = np.random.default_rng(seed)
    hour = rng.integers(0, 24, n)
    temp = rng.normal(15, 8, n)
    hum = rng.uniform(20, 100, n)
    workday = rng.integers(0, 2, n)
    count = 50 + 30 * np.exp(-((hour - 8) ** 2) / 4) * workday + 40 * np.exp(-((hour - 17) ** 2) / 6) \
        + 2 * temp - 0.3 * hum + rng.normal(0, 8, n)
    return pd.DataFrame({"hour": hour, "temp": temp, "hum": hum, "workday": workday, "cnt": count.clip(0)})


class BikeDS(Dataset):
    def __init__(self, df, stats=None):
        hour = df["hour"].values
        feats = np.stack([np.sin(2 * np.pi * hour / 24), np.cos(2 * np.pi * hour / 24),
                          df["temp"].values, df["hum"].values, df["workday"].values], 1).astype(np.float32)
        self.stats = stats or (feats.mean(0), feats.std(0) + 1e-6)
        self.x = (feats - self.stats[0]) / self.stats[1]
        self.y = np.log1p(df["cnt"].values).astype(np.float32).reshape(-1, 1)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), torch.from_numpy(self.y[i])


class Regressor(nn.Module):
    def __init__(self, d_in, hidden=64):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.out(self.body(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_ds = BikeDS(make_frame(15000, 0))
    val_ds = BikeDS(make_frame(3000, 1), stats=train_ds.stats)
    train_dl = DataLoader(train_ds, batch_size=128, shuffle=True)
    val_dl = DataLoader(val_ds, batch_size=1024)
    model = Regressor(5)
    loss_fn = nn.MSELoss()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            pred = model(x)
            assert pred.shape == y.shape, (pred.shape, y.shape)
            loss = loss_fn(pred, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(x)
        if epoch % 5 == 0 or epoch == args.epochs - 1:
            model.eval()
            errs = []
            with torch.no_grad():
                for x, y in val_dl:
                    errs.append((torch.expm1(model(x).squeeze(1)) - torch.expm1(y.squeeze(1))).abs())
            log.info("epoch %d train_mse(log) %.4f val_MAE %.2f bikes", epoch, tot / len(train_ds),
                     torch.cat(errs).mean().item())
    torch.save(model.state_dict(), "bikes.pt")


if __name__ == "__main__":
    main()
