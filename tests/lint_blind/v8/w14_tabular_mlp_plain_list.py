# expect: TVL005
# style: tabular regression (house prices) with a configurable residual MLP class
# bug: ResidualMLP keeps its hidden blocks in a plain Python list `self.blocks`, so they are not registered: model.parameters() omits them, the optimizer never updates them and .to(device) never moves them
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class ResBlock(nn.Module):
    def __init__(self, dim, p=0.1):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, dim * 2)
        self.fc2 = nn.Linear(dim * 2, dim)
        self.drop = nn.Dropout(p)

    def forward(self, x):
        h = self.fc2(self.drop(torch.relu(self.fc1(self.norm(x)))))
        return x + self.drop(h)


class ResidualMLP(nn.Module):
    def __init__(self, d_in, width=128, depth=4, p=0.1):
        super().__init__()
        self.inp = nn.Linear(d_in, width)
        self.blocks = [ResBlock(width, p) for _ in range(depth)]
        self.norm = nn.LayerNorm(width)
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        h = self.inp(x)
        for blk in self.blocks:
            h = blk(h)
        return self.out(self.norm(h)).squeeze(-1)


def load_data(n=8000, d=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    coef = rng.normal(size=d).astype(np.float32)
    y = np.log1p(np.exp(X @ coef * 0.3 + 12)).astype(np.float32)  # ~ log price
    idx = rng.permutation(n)
    tr, va = idx[: int(0.85 * n)], idx[int(0.85 * n):]
    mu, sd = X[tr].mean(0), X[tr].std(0) + 1e-6
    X = (X - mu) / sd
    return (torch.from_numpy(X[tr]), torch.from_numpy(y[tr])), (torch.from_numpy(X[va]), torch.from_numpy(y[va]))


def rmse(pred, target):
    return math.sqrt(torch.mean((pred - target) ** 2).item())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=128)
    args = ap.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    (xtr, ytr), (xva, yva) = load_data()
    train_loader = DataLoader(TensorDataset(xtr, ytr), batch_size=args.bs, shuffle=True)
    val_loader = DataLoader(TensorDataset(xva, yva), batch_size=1024)

    model = ResidualMLP(xtr.shape[1], args.width, args.depth).to(device)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model has {n_params:,} trainable parameters")
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    loss_fn = nn.MSELoss()

    best = float("inf")
    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for xb, yb in train_loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            running += loss.item() * xb.size(0)
        model.eval()
        preds, targets = [], []
        with torch.no_grad():
            for xb, yb in val_loader:
                preds.append(model(xb.to(device)).cpu())
                targets.append(yb)
        val_rmse = rmse(torch.cat(preds), torch.cat(targets))
        print(f"epoch {epoch:02d} train_mse {running / len(train_loader.dataset):.4f} val_rmse {val_rmse:.4f}")
        if val_rmse < best:
            best = val_rmse
            torch.save(model.state_dict(), "resmlp_best.pt")


if __name__ == "__main__":
    main()
