# expect: TVL017
# style: tabular text-regression project with a make_loader() helper whose shuffle default is True, predict() pairs outputs with dataset ids
# bug: the inference loader is built with make_loader(test_ds) (shuffle defaults to True) and write_predictions() zips the predictions with test_ds.ids in dataset order
import argparse
import csv
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("readability")


class EssayDataset(Dataset):
    def __init__(self, n, dim=300, with_target=True, seed=0):
        rng = np.random.default_rng(seed)
        self.ids = [f"essay_{seed}_{k:05d}" for k in range(n)]
        self.x = rng.normal(size=(n, dim)).astype(np.float32)  # averaged word vectors
        self.y = (self.x[:, :5].sum(1) * 0.3).astype(np.float32) if with_target else None

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        x = torch.from_numpy(self.x[i])
        if self.y is None:
            return x
        return x, torch.tensor(self.y[i])


def make_loader(ds, batch_size=64, shuffle=True, workers=2):
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, num_workers=workers, drop_last=False)


class Regressor(nn.Module):
    def __init__(self, dim=300):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim, 256), nn.GELU(), nn.Dropout(0.2), nn.Linear(256, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def fit(model, train_dl, val_dl, epochs, lr):
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    for ep in range(epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            loss = nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(y)
        model.eval()
        with torch.no_grad():
            se = sum(((model(x) - y) ** 2).sum().item() for x, y in val_dl)
        logger.info("epoch %d train_mse %.4f val_rmse %.4f", ep, tot / len(train_dl.dataset),
                    (se / len(val_dl.dataset)) ** 0.5)


@torch.no_grad()
def predict(model, loader):
    model.eval()
    return torch.cat([model(x) for x in loader]).numpy()


def write_predictions(path, ids, preds):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "target"])
        for i, p in zip(ids, preds):
            w.writerow([i, f"{p:.5f}"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="submission.csv")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_ds = EssayDataset(2800, seed=0)
    val_ds = EssayDataset(400, seed=1)
    test_ds = EssayDataset(700, with_target=False, seed=2)
    train_dl = make_loader(train_ds)
    val_dl = make_loader(val_ds, batch_size=256, shuffle=False)
    test_dl = make_loader(test_ds, batch_size=256)

    model = Regressor()
    fit(model, train_dl, val_dl, args.epochs, args.lr)
    preds = predict(model, test_dl)
    write_predictions(args.out, test_ds.ids, preds)
    logger.info("wrote %d predictions to %s", len(preds), args.out)


if __name__ == "__main__":
    main()
