# expect: clean
# style: research repo, air-quality (PM2.5) forecasting from tabular sensor windows with a Linear(…, 1) head
# note: the model ends with nn.Linear(hidden, 1) and the targets are 1-D, which looks like TVL009, but forward() returns out.squeeze(-1), so prediction and target are both (B,).
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("pm25")


class SensorWindows(Dataset):
    def __init__(self, n_steps=20000, window=24, n_feat=8, seed=0):
        rng = np.random.default_rng(seed)
        t = np.arange(n_steps)
        feats = np.stack([np.sin(2 * np.pi * t / p) for p in (24, 168, 12, 6)] +
                         [rng.normal(size=n_steps) for _ in range(n_feat - 4)], 1).astype(np.float32)
        self.x = feats
        self.y = (feats[:, 0] * 20 + feats[:, 1] * 10 + 40 + rng.normal(0, 3, n_steps)).astype(np.float32)
        self.window = window

    def __len__(self):
        return len(self.x) - self.window

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i:i + self.window]).flatten(), torch.tensor(self.y[i + self.window])


class PMRegressor(nn.Module):
    def __init__(self, d_in, hidden=128):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Dropout(0.1), nn.Linear(hidden, hidden),
                                  nn.ReLU())
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.out(self.body(x)).squeeze(-1)


def train_epoch(model, loader, opt):
    model.train()
    tot, n = 0.0, 0
    for x, y in loader:
        pred = model(x)
        loss = F.huber_loss(pred, y, delta=5.0)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item() * len(y)
        n += len(y)
    return tot / n


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    err = [(model(x) - y).abs() for x, y in loader]
    model.train()
    return torch.cat(err).mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    ds = SensorWindows()
    n_train = int(0.8 * len(ds))
    train_ds = torch.utils.data.Subset(ds, range(n_train))
    val_ds = torch.utils.data.Subset(ds, range(n_train, len(ds)))
    train_dl = DataLoader(train_ds, batch_size=128, shuffle=True)
    val_dl = DataLoader(val_ds, batch_size=512)
    model = PMRegressor(24 * 8)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=3)
    for epoch in range(args.epochs):
        tr = train_epoch(model, train_dl, opt)
        mae = evaluate(model, val_dl)
        sched.step(mae)
        log.info("epoch %d train huber %.3f val MAE %.3f", epoch, tr, mae)


if __name__ == "__main__":
    main()
