# expect: TVL009
# style: research repo with model/loss/train split, tabular house-price regression
# bug: PriceRegressor ends in nn.Linear(h, 1) so predictions are (B, 1), the dataset yields targets of shape (B,), and compute_loss() passes both to F.mse_loss, which broadcasts to (B, B).
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class HousingTable(Dataset):
    def __init__(self, n=6000, d=13, seed=0):
        rng = np.random.default_rng(seed)
        self.x = rng.normal(size=(n, d)).astype(np.float32)
        coef = rng.uniform(-2, 2, size=d).astype(np.float32)
        self.y = (self.x @ coef + rng.normal(scale=0.5, size=n)).astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), torch.tensor(self.y[i])


class PriceRegressor(nn.Module):
    def __init__(self, d_in, hidden=64):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        return self.out(self.body(x))


def compute_loss(pred, target):
    return F.mse_loss(pred, target)


def train_epoch(model, loader, opt):
    model.train()
    total, n = 0.0, 0
    for x, y in loader:
        pred = model(x)
        loss = compute_loss(pred, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(y)
        n += len(y)
    return total / n


@torch.no_grad()
def eval_mae(model, loader):
    model.eval()
    errs = [(model(x).view(-1) - y).abs() for x, y in loader]
    return torch.cat(errs).mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()

    full = HousingTable()
    tr, va = torch.utils.data.random_split(full, [5000, 1000], generator=torch.Generator().manual_seed(1))
    train_loader = DataLoader(tr, batch_size=64, shuffle=True)
    val_loader = DataLoader(va, batch_size=500, shuffle=False)
    model = PriceRegressor(13)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        mse = train_epoch(model, train_loader, opt)
        if epoch % 5 == 0:
            print(f"epoch {epoch} train_mse {mse:.4f} val_mae {eval_mae(model, val_loader):.4f}")


if __name__ == "__main__":
    main()
