# expect: TVL002
# style: Kaggle tabular kernel (tabular MLP, pandas-like preprocessing)
# bug: predictions are turned into Python floats with .item() and the loss is rebuilt from them, so no gradient reaches the model
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SEED = 42
N_FEATS = 24


class TabMLP(nn.Module):
    def __init__(self, n_in, hidden=256):
        super().__init__()
        self.net = nn.Sequential(
            nn.BatchNorm1d(n_in), nn.Linear(n_in, hidden), nn.SiLU(), nn.Dropout(0.1),
            nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def rmse(pred, y):
    return float(np.sqrt(np.mean((pred - y) ** 2)))


def run_fold(X, y, epochs, lr):
    model = TabMLP(X.shape[1])
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-5)
    ds = TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32))
    dl = DataLoader(ds, batch_size=256, shuffle=True)
    for ep in range(epochs):
        model.train()
        losses = []
        for xb, yb in dl:
            out = model(xb)
            preds = torch.tensor([p.item() for p in out], requires_grad=True)
            loss = ((preds - yb) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        print(f"ep {ep} train mse {np.mean(losses):.5f}")
    model.eval()
    with torch.no_grad():
        oof = model(torch.tensor(X, dtype=torch.float32)).numpy()
    print("fold rmse", rmse(oof, y))
    return model


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=3e-3)
    cfg = ap.parse_args()
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(5000, N_FEATS)).astype(np.float32)
    y = (X[:, 0] * 2 - X[:, 3] + rng.normal(scale=0.1, size=5000)).astype(np.float32)
    run_fold(X, y, cfg.epochs, cfg.lr)
