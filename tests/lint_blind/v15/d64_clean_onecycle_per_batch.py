# expect: clean
# style: fastai-style fit_one_cycle re-implemented by hand for a tabular regression (bike rentals)
# note: the scheduler is stepped inside the batch loop, which would be wrong for an epoch-based scheduler, but OneCycleLR is sized with steps_per_epoch=len(train_dl) and is stepped right after optimizer.step(); the head's (B,1) output is flattened before the loss
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def bike_data(n=17000, seed=0):
    rng = np.random.default_rng(seed)
    hour = rng.integers(0, 24, n)
    temp = rng.normal(20, 8, n)
    hum = rng.uniform(0.2, 1.0, n)
    workday = rng.integers(0, 2, n)
    count = (50 + 200 * np.exp(-((hour - 8) ** 2) / 4) * workday + 180 * np.exp(-((hour - 17) ** 2) / 6)
             + 4 * temp - 60 * hum + rng.normal(0, 20, n)).clip(min=0)
    X = np.stack([np.sin(2 * np.pi * hour / 24), np.cos(2 * np.pi * hour / 24), temp, hum, workday], 1)
    return X.astype(np.float32), np.log1p(count).astype(np.float32)


def fit_one_cycle(model, train_dl, valid_dl, epochs, max_lr, wd=1e-2):
    opt = torch.optim.AdamW(model.parameters(), lr=max_lr, weight_decay=wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, epochs=epochs, steps_per_epoch=len(train_dl),
                                                pct_start=0.25, div_factor=25.0, final_div_factor=1e4)
    print(f"{'epoch':>5} {'train_loss':>10} {'valid_loss':>10} {'rmsle':>8} {'lr':>9}")
    for epoch in range(epochs):
        model.train()
        tl = 0.0
        for xb, yb in train_dl:
            pred = model(xb).view(-1)
            loss = F.mse_loss(pred, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tl += loss.item() * len(yb)
        model.eval()
        vl = 0.0
        with torch.no_grad():
            for xb, yb in valid_dl:
                vl += F.mse_loss(model(xb).view(-1), yb, reduction="sum").item()
        vl /= len(valid_dl.dataset)
        print(f"{epoch:>5d} {tl / len(train_dl.dataset):>10.4f} {vl:>10.4f} {np.sqrt(vl):>8.4f} {sched.get_last_lr()[0]:>9.2e}")
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--max-lr", type=float, default=3e-3)
    args = ap.parse_args()
    torch.manual_seed(0)
    X, y = bike_data()
    mu, sd = X[:14000].mean(0), X[:14000].std(0) + 1e-6
    X = (X - mu) / sd
    train_dl = DataLoader(TensorDataset(torch.from_numpy(X[:14000]), torch.from_numpy(y[:14000])), batch_size=128, shuffle=True)
    valid_dl = DataLoader(TensorDataset(torch.from_numpy(X[14000:]), torch.from_numpy(y[14000:])), batch_size=1024)
    model = nn.Sequential(
        nn.Linear(5, 200), nn.ReLU(), nn.BatchNorm1d(200),
        nn.Linear(200, 100), nn.ReLU(), nn.BatchNorm1d(100), nn.Dropout(0.1),
        nn.Linear(100, 1),
    )
    fit_one_cycle(model, train_dl, valid_dl, args.epochs, args.max_lr)
    torch.save(model.state_dict(), "bike_mlp.pt")

    # report on the original count scale
    model.eval()
    with torch.no_grad():
        pred_log = torch.cat([model(xb).view(-1) for xb, _ in valid_dl])
    pred = torch.expm1(pred_log).clamp(min=0)
    true = torch.expm1(torch.from_numpy(y[14000:]))
    mae = (pred - true).abs().mean().item()
    print(f"valid MAE (rentals/hour): {mae:.1f}")


if __name__ == "__main__":
    main()
