# expect: TVL015
# style: Kaggle tabular kernel (credit-default), K-fold loop, data sorted by customer/date before batching
# bug: the training DataLoader has neither shuffle=True nor a sampler, and the rows are sorted by date so every epoch sees the same ordered batches
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class DefaultMLP(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.3),
                                 nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def make_frame(n=6000, n_feat=40, seed=7):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, n_feat)).astype(np.float32)
    dates = rng.integers(0, 365, n)
    y = (X[:, 0] + 0.01 * dates + rng.normal(size=n) > 2).astype(np.float32)
    order = np.argsort(dates)
    return X[order], y[order]


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--bs", type=int, default=1024)
    CFG = ap.parse_args()
    X, y = make_frame()
    fold_ids = np.arange(len(y)) % CFG.folds
    for fold in range(CFG.folds):
        tr, va = fold_ids != fold, fold_ids == fold
        train_ds = TensorDataset(torch.from_numpy(X[tr]), torch.from_numpy(y[tr]))
        train_dl = DataLoader(train_ds, batch_size=CFG.bs, drop_last=True)
        model = DefaultMLP(X.shape[1])
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        crit = nn.BCEWithLogitsLoss()
        for ep in range(CFG.epochs):
            model.train()
            for xb, yb in train_dl:
                loss = crit(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
        model.eval()
        with torch.no_grad():
            p = torch.sigmoid(model(torch.from_numpy(X[va]))).numpy()
        print(f"fold {fold} valid logloss {-np.mean(y[va] * np.log(p + 1e-7) + (1 - y[va]) * np.log(1 - p + 1e-7)):.5f}")
