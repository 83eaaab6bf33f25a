# expect: TVL017
# style: research repo with predict.py-style predict() that builds its own loader, house-price tabular regression with an ids column
# bug: predict() builds the test loader with build_loader(test_ds, train=True, ...), which turns shuffle on, and write_submission() then pairs the predictions with test_ds.ids in their original order.
import argparse
import csv
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("predict")


class HouseDataset(Dataset):
    def __init__(self, n, seed, with_target=True):
        rng = np.random.default_rng(seed)
        self.ids = np.arange(n) + 1461 * (seed + 1)
        self.x = rng.normal(size=(n, 30)).astype(np.float32)
        self.y = (self.x[:, :5].sum(1) * 0.3 + 12).astype(np.float32) if with_target else None

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        if self.y is None:
            return torch.from_numpy(self.x[i])
        return torch.from_numpy(self.x[i]), torch.tensor(self.y[i])


def build_loader(ds, train, batch_size=128):
    return DataLoader(ds, batch_size=batch_size, shuffle=train, num_workers=2, drop_last=False)


class PriceNet(nn.Module):
    def __init__(self, d=30):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def fit(model, ds, epochs, lr):
    loader = build_loader(ds, train=True)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    for ep in range(epochs):
        tot = 0.0
        for x, y in loader:
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(x)
        log.info("epoch %d rmse(log) %.4f", ep, (tot / len(ds)) ** 0.5)


@torch.no_grad()
def predict(model, test_ds):
    loader = build_loader(test_ds, train=True, batch_size=512)
    model.eval()
    out = [model(x) for x in loader]
    return torch.cat(out).expm1().numpy()


def write_submission(path, ids, preds):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["Id", "SalePrice"])
        for i, p in zip(ids, preds):
            w.writerow([int(i), float(p)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="submission.csv")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_ds = HouseDataset(1460, seed=0)
    test_ds = HouseDataset(1459, seed=1, with_target=False)
    model = PriceNet()
    fit(model, train_ds, args.epochs, args.lr)
    preds = predict(model, test_ds)
    write_submission(args.out, test_ds.ids, preds)
    log.info("wrote %d rows to %s", len(preds), args.out)


if __name__ == "__main__":
    main()
