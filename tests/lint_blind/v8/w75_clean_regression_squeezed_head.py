# expect: clean
# style: Kaggle-style tabular regression with nn.Linear(..., 1) head, predictions reshaped in a separate predict/loss helper
# note: the head is nn.Linear(hidden, 1) and targets are 1-D (looks like TVL009), but regression_loss() flattens the prediction with .squeeze(-1) before MSELoss, so shapes match (B,) vs (B,)
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class BikeDemand(Dataset):
    def __init__(self, n, seed=0):
        rng = np.random.default_rng(seed)
        self.hour = rng.integers(0, 24, n)
        self.weekday = rng.integers(0, 7, n)
        self.num = rng.normal(size=(n, 5)).astype(np.float32)
        self.y = np.log1p(np.maximum(0, 200 + 150 * np.sin(self.hour / 24 * 2 * np.pi) + 30 * self.num[:, 0]
                                     + rng.normal(scale=20, size=n))).astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return (torch.tensor(self.hour[i]), torch.tensor(self.weekday[i]),
                torch.from_numpy(self.num[i]), torch.tensor(self.y[i]))


class DemandNet(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.hour_emb = nn.Embedding(24, 8)
        self.day_emb = nn.Embedding(7, 4)
        self.mlp = nn.Sequential(nn.Linear(8 + 4 + 5, hidden), nn.ReLU(), nn.Dropout(0.1),
                                 nn.Linear(hidden, hidden), nn.ReLU())
        self.head = nn.Linear(hidden, 1)

    def forward(self, hour, day, num):
        h = torch.cat([self.hour_emb(hour), self.day_emb(day), num], dim=-1)
        return self.head(self.mlp(h))


mse = nn.MSELoss()


def regression_loss(pred, target):
    return mse(pred.squeeze(-1), target)


def run(model, loader, optimizer=None):
    train = optimizer is not None
    model.train(train)
    se, n = 0.0, 0
    with torch.set_grad_enabled(train):
        for hour, day, num, y in loader:
            pred = model(hour, day, num)
            loss = regression_loss(pred, y)
            if train:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            se += loss.item() * y.size(0)
            n += y.size(0)
    return math.sqrt(se / n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    train_loader = DataLoader(BikeDemand(15000), batch_size=128, shuffle=True)
    val_loader = DataLoader(BikeDemand(3000, seed=1), batch_size=1024)
    model = DemandNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.3)
    best = float("inf")
    for epoch in range(args.epochs):
        tr = run(model, train_loader, optimizer)
        va = run(model, val_loader)
        scheduler.step()
        print(f"epoch {epoch:02d} train_rmsle {tr:.4f} val_rmsle {va:.4f}")
        if va < best:
            best = va
            torch.save(model.state_dict(), "bike_demand.pt")


if __name__ == "__main__":
    main()
