# expect: clean
# style: research script for air-quality (PM2.5) forecasting: ReduceLROnPlateau per epoch, warmup per step, predictions written with station ids
# note: two schedulers (per-step warmup LambdaLR and per-epoch ReduceLROnPlateau; TVL007 look-alike) are both stepped after optimizer.step() at their intended granularity, and the prediction loader that is paired with station/time ids is not shuffled
import argparse
import logging
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("pm25")


class StationWindows(Dataset):
    def __init__(self, frame, window=48):
        self.frame = frame.reset_index(drop=True)
        self.window = window
        self.values = self.frame[["pm25", "temp", "wind", "humidity"]].values.astype(np.float32)
        self.index = [i for i in range(window, len(self.frame))
                      if self.frame.station[i] == self.frame.station[i - window]]

    def __len__(self):
        return len(self.index)

    def __getitem__(self, k):
        i = self.index[k]
        return torch.from_numpy(self.values[i - self.window:i]), torch.tensor(self.values[i, 0])

    def keys(self):
        return self.frame.loc[self.index, ["station", "hour"]].reset_index(drop=True)


class TCN(nn.Module):
    def __init__(self, c_in=4, c=64):
        super().__init__()
        layers, d = [], c_in
        for dil in (1, 2, 4, 8):
            layers += [nn.Conv1d(d, c, 3, padding=dil, dilation=dil), nn.ReLU()]
            d = c
        self.net = nn.Sequential(*layers)
        self.out = nn.Linear(c, 1)

    def forward(self, x):
        return self.out(self.net(x.transpose(1, 2))[:, :, -1]).squeeze(-1)


def make_frame(n_stations=30, hours=2000, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_stations):
        t = np.arange(hours)
        pm = 35 + 15 * np.sin(2 * np.pi * t / 24) + np.cumsum(rng.normal(0, 1, hours)) * 0.3
        rows.append(pd.DataFrame({"station": s, "hour": t, "pm25": pm / 50, "temp": rng.normal(size=hours),
                                  "wind": rng.random(hours), "humidity": rng.random(hours)}))
    return pd.concat(rows, ignore_index=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--out", default="pm25_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    frame = make_frame()
    train_f, val_f = frame[frame.hour < 1600], frame[frame.hour >= 1600 - 48]
    train_ds, val_ds = StationWindows(train_f), StationWindows(val_f)
    train_dl = DataLoader(train_ds, batch_size=256, shuffle=True, drop_last=True)
    val_dl = DataLoader(val_ds, batch_size=1024, shuffle=False)

    model = TCN()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    warmup = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / args.warmup))
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=2)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            loss = F.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step < args.warmup:
                warmup.step()
            step += 1
            tot += loss.item()
        model.eval()
        preds = []
        with torch.no_grad():
            for x, _ in val_dl:
                preds.append(model(x))
        preds = torch.cat(preds)
        targets = torch.tensor([val_ds[k][1].item() for k in range(len(val_ds))])
        val_mse = F.mse_loss(preds, targets).item()
        plateau.step(val_mse)
        log.info("epoch %d train %.5f val %.5f lr %.2e", epoch, tot / len(train_dl), val_mse, opt.param_groups[0]["lr"])

    os.makedirs(args.out, exist_ok=True)
    out = val_ds.keys()
    out["pm25_pred"] = preds.numpy() * 50
    out.to_csv(os.path.join(args.out, "val_predictions.csv"), index=False)
    torch.save(model.state_dict(), os.path.join(args.out, "tcn.pt"))


if __name__ == "__main__":
    main()
