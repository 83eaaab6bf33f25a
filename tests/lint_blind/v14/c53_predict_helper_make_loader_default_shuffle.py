# expect: TVL017
# style: tabular competition pipeline with make_loader/predict/write_submission helpers
# bug: make_loader() defaults to shuffle=True and the test loader is built with the default, while write_submission() pairs the predictions with dataset.row_ids in their original order
import argparse
import csv
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("pipeline")


class RowDataset(Dataset):
    def __init__(self, X, y=None, row_ids=None):
        self.X = torch.as_tensor(X, dtype=torch.float32)
        self.y = None if y is None else torch.as_tensor(y, dtype=torch.float32)
        self.row_ids = list(row_ids) if row_ids is not None else list(range(len(X)))

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        if self.y is None:
            return self.X[i]
        return self.X[i], self.y[i]


def make_loader(ds, batch_size=512, shuffle=True, workers=0):
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, num_workers=workers)


class ResMLP(nn.Module):
    def __init__(self, d, hidden=256, blocks=3):
        super().__init__()
        self.inp = nn.Linear(d, hidden)
        self.blocks = nn.ModuleList([nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, hidden), nn.GELU(),
                                                   nn.Dropout(0.1)) for _ in range(blocks)])
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        h = self.inp(x)
        for b in self.blocks:
            h = h + b(h)
        return self.out(h).squeeze(-1)


def fit(model, loader, epochs, lr):
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    for epoch in range(epochs):
        model.train()
        tot = 0.0
        for x, y in loader:
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(y)
        log.info("epoch %d rmse %.4f", epoch, (tot / len(loader.dataset)) ** 0.5)


@torch.no_grad()
def predict(model, loader):
    model.eval()
    return torch.cat([model(x) for x in loader]).numpy()


def write_submission(path, row_ids, preds):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["row_id", "target"])
        for rid, p in zip(row_ids, preds):
            w.writerow([rid, f"{p:.6f}"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="submission.csv")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    rng = np.random.default_rng(0)
    X_train = rng.normal(size=(50000, 40))
    y_train = X_train[:, :4] @ np.array([1.0, -2.0, 0.5, 0.3]) + 0.1 * rng.normal(size=50000)
    X_test = rng.normal(size=(10000, 40))
    test_ids = [f"row_{i}" for i in range(10000)]

    train_ds = RowDataset(X_train, y_train)
    test_ds = RowDataset(X_test, row_ids=test_ids)
    model = ResMLP(40)
    fit(model, make_loader(train_ds), args.epochs, args.lr)
    preds = predict(model, make_loader(test_ds, batch_size=2048))
    write_submission(args.out, test_ds.row_ids, preds)
    log.info("wrote %d predictions to %s", len(preds), args.out)


if __name__ == "__main__":
    main()
