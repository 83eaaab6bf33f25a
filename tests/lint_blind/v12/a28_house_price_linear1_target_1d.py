# expect: TVL009
# style: tabular regression (house prices), Dataset class + model class + train/validate functions, argparse
# bug: PriceNet ends in nn.Linear(64, 1) giving (B, 1) predictions while HousingDataset yields scalar targets, so the batch target is (B,) and MSELoss broadcasts to (B, B)
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class HousingDataset(Dataset):
    def __init__(self, X, y, x_mean=None, x_std=None):
        self.x_mean = X.mean(0) if x_mean is None else x_mean
        self.x_std = X.std(0) + 1e-6 if x_std is None else x_std
        self.X = ((X - self.x_mean) / self.x_std).astype(np.float32)
        self.y = np.log1p(y).astype(np.float32)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, idx):
        return torch.from_numpy(self.X[idx]), torch.tensor(self.y[idx])


class PriceNet(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(n_features, 128), nn.ReLU(), nn.BatchNorm1d(128), nn.Dropout(0.1),
            nn.Linear(128, 64), nn.ReLU(),
        )
        self.out = nn.Linear(64, 1)

    def forward(self, x):
        return self.out(self.body(x))


def train_epoch(model, loader, opt, loss_fn):
    model.train()
    s = 0.0
    for xb, yb in loader:
        pred = model(xb)
        loss = loss_fn(pred, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        s += loss.item() * len(xb)
    return s / len(loader.dataset)


@torch.no_grad()
def validate(model, loader):
    model.eval()
    sq = 0.0
    for xb, yb in loader:
        sq += ((model(xb).view(-1) - yb) ** 2).sum().item()
    model.train()
    return math.sqrt(sq / len(loader.dataset))


def synth(n, d, rng):
    X = rng.normal(size=(n, d))
    price = np.exp(12 + X[:, :4] @ np.array([0.3, 0.2, -0.1, 0.05]) + rng.normal(scale=0.1, size=n))
    return X, price


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--features", type=int, default=30)
    args = ap.parse_args()

    rng = np.random.default_rng(0)
    X, y = synth(1460, args.features, rng)
    cut = int(0.8 * len(X))
    train_ds = HousingDataset(X[:cut], y[:cut])
    val_ds = HousingDataset(X[cut:], y[cut:], train_ds.x_mean, train_ds.x_std)
    train_dl = DataLoader(train_ds, batch_size=args.bs, shuffle=True)
    val_dl = DataLoader(val_ds, batch_size=256, shuffle=False)

    model = PriceNet(args.features)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=5)
    loss_fn = nn.MSELoss()

    best = float("inf")
    for epoch in range(args.epochs):
        tr = train_epoch(model, train_dl, opt, loss_fn)
        rmsle = validate(model, val_dl)
        plateau.step(rmsle)
        if rmsle < best:
            best = rmsle
            torch.save(model.state_dict(), "pricenet.pt")
        print(f"epoch {epoch:02d} train_mse {tr:.4f} val_rmsle {rmsle:.4f} lr {opt.param_groups[0]['lr']:.1e}")
    print("best val RMSLE", best)


if __name__ == "__main__":
    main()
