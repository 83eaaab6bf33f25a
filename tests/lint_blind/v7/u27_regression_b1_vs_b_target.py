# expect: TVL009
# style: research repo, molecular property regression on fixed-size fingerprints, Dataset returns scalar targets
# bug: PropertyRegressor ends with nn.Linear(hidden, 1) giving (B, 1) predictions while the Dataset yields scalar targets collated to (B,), so F.mse_loss broadcasts to (B, B).
import argparse
import json
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("qsar")


class FingerprintDataset(Dataset):
    def __init__(self, n, n_bits=2048, seed=0):
        rng = np.random.default_rng(seed)
        self.fp = (rng.random((n, n_bits)) < 0.05).astype(np.float32)
        w = rng.normal(size=n_bits) * (rng.random(n_bits) < 0.02)
        self.logS = (self.fp @ w + rng.normal(0, 0.3, n)).astype(np.float32)

    def __len__(self):
        return len(self.fp)

    def __getitem__(self, i):
        return torch.from_numpy(self.fp[i]), torch.tensor(self.logS[i])


class PropertyRegressor(nn.Module):
    def __init__(self, n_bits=2048, hidden=512, p=0.2):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_bits, hidden), nn.ReLU(), nn.Dropout(p),
            nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Dropout(p),
            nn.Linear(hidden // 2, 1),
        )

    def forward(self, fp):
        return self.net(fp)


def run_epoch(model, loader, optimizer=None):
    training = optimizer is not None
    model.train(training)
    se, n = 0.0, 0
    for fp, target in loader:
        with torch.set_grad_enabled(training):
            pred = model(fp)
            loss = F.mse_loss(pred, target)
        if training:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        se += loss.item() * len(fp)
        n += len(fp)
    return (se / n) ** 0.5


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--out", default="results")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(FingerprintDataset(4000, seed=1), batch_size=64, shuffle=True)
    val_dl = DataLoader(FingerprintDataset(800, seed=2), batch_size=256)
    model = PropertyRegressor()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    history = []
    for epoch in range(args.epochs):
        tr = run_epoch(model, train_dl, optimizer)
        va = run_epoch(model, val_dl)
        history.append({"epoch": epoch, "train_rmse": tr, "val_rmse": va})
        logger.info("epoch %d train rmse %.3f val rmse %.3f", epoch, tr, va)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump(history, f, indent=2)


if __name__ == "__main__":
    main()
