# expect: clean
# style: imbalanced fraud detection; training DataLoader built by a factory with a WeightedRandomSampler instead of shuffle
# note: the training loader has no shuffle=True, but it gets a WeightedRandomSampler (which randomises order); the eval loader is unshuffled
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler

log = logging.getLogger("fraud")


def make_data(n, seed, fraud_rate=0.01):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < fraud_rate).astype(np.float32)
    x = rng.normal(size=(n, 28)).astype(np.float32)
    x[y == 1, :5] += 1.5
    return torch.from_numpy(x), torch.from_numpy(y)


def build_train_loader(x, y, bs, balance=True):
    ds = TensorDataset(x, y)
    if balance:
        class_count = torch.bincount(y.long())
        weights = (1.0 / class_count.float())[y.long()]
        sampler = WeightedRandomSampler(weights, num_samples=len(y), replacement=True)
        return DataLoader(ds, batch_size=bs, sampler=sampler, num_workers=2)
    return DataLoader(ds, batch_size=bs, shuffle=True, num_workers=2)


def pr_auc(scores, labels):
    order = np.argsort(-scores)
    labels = labels[order]
    tp = np.cumsum(labels)
    precision = tp / np.arange(1, len(labels) + 1)
    return float((precision * labels).sum() / max(labels.sum(), 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--bs", type=int, default=1024)
    ap.add_argument("--no-balance", action="store_true")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    xtr, ytr = make_data(200000, 0)
    xva, yva = make_data(40000, 1)
    train_dl = build_train_loader(xtr, ytr, args.bs, balance=not args.no_balance)
    val_dl = DataLoader(TensorDataset(xva, yva), batch_size=8192)
    model = nn.Sequential(nn.Linear(28, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    crit = nn.BCEWithLogitsLoss()
    for ep in range(args.epochs):
        model.train()
        for xb, yb in train_dl:
            loss = crit(model(xb).squeeze(1), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            scores = torch.cat([torch.sigmoid(model(xb).squeeze(1)) for xb, _ in val_dl]).numpy()
        log.info("epoch %d loss %.4f PR-AUC %.4f", ep, loss.item(), pr_auc(scores, yva.numpy()))
    torch.save(model.state_dict(), "fraud_mlp.pt")


if __name__ == "__main__":
    main()
