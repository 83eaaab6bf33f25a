# expect: clean
"""A recipe-style script: `make_loaders()` turns a dict of datasets (whatever splits the caller
made) into a dict of loaders with one DataLoader call for all of them, and that call shuffles
the training split only. The epoch loop trains on `loaders["train"]` in a new order each
epoch."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def make_splits(n_rows=5000):
    x = torch.randn(n_rows, 12)
    y = (x[:, 0] > 0).long()
    cut = int(0.9 * n_rows)
    return {"train": TensorDataset(x[:cut], y[:cut]), "holdout": TensorDataset(x[cut:], y[cut:])}


def make_loaders(splits, batch=128):
    return {name: DataLoader(ds, batch_size=batch, num_workers=2, shuffle=name == "train")
            for name, ds in splits.items()}


def main():
    loaders = make_loaders(make_splits())
    net = nn.Sequential(nn.Linear(12, 64), nn.ReLU(), nn.Linear(64, 2))
    opt = torch.optim.AdamW(net.parameters(), lr=3e-4)
    for epoch in range(10):
        for xb, yb in loaders["train"]:
            opt.zero_grad()
            nn.functional.cross_entropy(net(xb), yb).backward()
            opt.step()
        with torch.no_grad():
            hits = sum((net(xb).argmax(1) == yb).sum().item() for xb, yb in loaders["holdout"])
        print(epoch, hits)


if __name__ == "__main__":
    main()
