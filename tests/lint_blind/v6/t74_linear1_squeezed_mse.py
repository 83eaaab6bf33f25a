# expect: clean
# style: research repo with model/loss split, molecular property (solubility) regression from fingerprints
# note: the regressor ends in nn.Linear(hidden, 1) and the targets are 1-D, but forward() squeezes the last dimension so the MSE compares (B,) with (B,).
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class FingerprintDataset(Dataset):
    def __init__(self, n=5000, bits=1024, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.fp = (torch.rand(n, bits, generator=g) < 0.05).float()
        w = torch.randn(bits, generator=g) * 0.1
        self.logS = self.fp @ w + 0.2 * torch.randn(n, generator=g)

    def __len__(self):
        return len(self.logS)

    def __getitem__(self, i):
        return self.fp[i], self.logS[i]


class SolubilityMLP(nn.Module):
    def __init__(self, bits=1024, hidden=512):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(bits, hidden), nn.ReLU(), nn.Dropout(0.2),
                                 nn.Linear(hidden, hidden // 2), nn.ReLU())
        self.out = nn.Linear(hidden // 2, 1)

    def forward(self, fp):
        return self.out(self.net(fp)).squeeze(-1)


def regression_loss(pred, target):
    return F.mse_loss(pred, target)


def run_epoch(model, loader, opt=None):
    training = opt is not None
    model.train(training)
    tot, n = 0.0, 0
    with torch.set_grad_enabled(training):
        for fp, y in loader:
            pred = model(fp)
            loss = regression_loss(pred, y)
            if training:
                opt.zero_grad()
                loss.backward()
                opt.step()
            tot += loss.item() * len(y)
            n += len(y)
    return (tot / n) ** 0.5


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    full = FingerprintDataset()
    tr, va = torch.utils.data.random_split(full, [4200, 800], generator=torch.Generator().manual_seed(0))
    train_loader = DataLoader(tr, batch_size=128, shuffle=True)
    val_loader = DataLoader(va, batch_size=800, shuffle=False)
    model = SolubilityMLP()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    for epoch in range(args.epochs):
        tr_rmse = run_epoch(model, train_loader, opt)
        va_rmse = run_epoch(model, val_loader)
        print(f"epoch {epoch} train_rmse {tr_rmse:.4f} val_rmse {va_rmse:.4f}")


if __name__ == "__main__":
    main()
