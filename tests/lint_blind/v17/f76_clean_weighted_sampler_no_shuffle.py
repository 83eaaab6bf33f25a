# expect: clean
# style: imbalanced fraud detection with a WeightedRandomSampler built in make_train_loader(); Kaggle-ish tabular
# note: the training DataLoader has no shuffle=True, but it is given a WeightedRandomSampler, which draws a fresh random (class-balanced) order each epoch.
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler


def make_transactions(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 30)).astype(np.float32)
    logit = 2.5 * x[:, 0] - 2 * x[:, 3] + x[:, 7] * x[:, 8] - 6.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return x, y


def make_train_loader(x, y, batch_size):
    counts = np.bincount(y, minlength=2)
    sample_w = (1.0 / counts)[y]
    sampler = WeightedRandomSampler(torch.as_tensor(sample_w, dtype=torch.double), num_samples=len(y), replacement=True)
    ds = TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    return DataLoader(ds, batch_size=batch_size, sampler=sampler, num_workers=2, drop_last=True)


def make_eval_loader(x, y):
    return DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=4096)


class FraudNet(nn.Module):
    def __init__(self, d=30):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.BatchNorm1d(64), nn.Dropout(0.2),
                                 nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 2))

    def forward(self, x):
        return self.net(x)


def pr_auc(y, s):
    order = np.argsort(-s)
    y = y[order]
    tp = np.cumsum(y)
    precision = tp / np.arange(1, len(y) + 1)
    return float((precision * y).sum() / max(y.sum(), 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--bs", type=int, default=512)
    args = ap.parse_args()
    torch.manual_seed(0)
    xtr, ytr = make_transactions(100_000, 0)
    xva, yva = make_transactions(20_000, 1)
    mu, sd = xtr.mean(0), xtr.std(0)
    xtr, xva = (xtr - mu) / sd, (xva - mu) / sd
    train_dl = make_train_loader(xtr, ytr, args.bs)
    val_dl = make_eval_loader(xva, yva)
    print("fraud rate train:", ytr.mean())

    model = FraudNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for xb, yb in train_dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        scores = []
        with torch.no_grad():
            for xb, _ in val_dl:
                scores.append(F.softmax(model(xb), dim=1)[:, 1].numpy())
        print(f"epoch {epoch} loss {tot / len(train_dl):.4f} val PR-AUC {pr_auc(yva, np.concatenate(scores)):.4f}")
    torch.save(model.state_dict(), "fraudnet.pt")


if __name__ == "__main__":
    main()
