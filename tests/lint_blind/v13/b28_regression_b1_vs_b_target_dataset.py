# expect: TVL009
# style: molecular property regression (graph-free fingerprint MLP), dataset class + trainer function
# bug: the model ends in nn.Linear(hidden, 1) giving (B, 1) while FingerprintDataset returns a scalar target, so MSELoss compares (B, 1) with (B,) and broadcasts to (B, B)
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("qsar")


class FingerprintDataset(Dataset):
    """Morgan-fingerprint-like bit vectors with a solubility target (logS)."""

    def __init__(self, n, n_bits=1024, seed=0):
        rng = np.random.default_rng(seed)
        self.fp = (rng.random((n, n_bits)) < 0.05).astype(np.float32)
        w = rng.normal(0, 0.1, n_bits)
        self.logS = (self.fp @ w - 2.0 + rng.normal(0, 0.3, n)).astype(np.float32)
        self.mu, self.sd = self.logS.mean(), self.logS.std()

    def __len__(self):
        return len(self.fp)

    def __getitem__(self, i):
        y = (self.logS[i] - self.mu) / self.sd
        return torch.from_numpy(self.fp[i]), torch.tensor(y)


class FPNet(nn.Module):
    def __init__(self, n_bits=1024, hidden=512, dropout=0.2):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(n_bits, hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Dropout(dropout),
        )
        self.out = nn.Linear(hidden // 2, 1)

    def forward(self, x):
        return self.out(self.body(x))


def run_epoch(model, loader, criterion, device, optimizer=None):
    training = optimizer is not None
    model.train(training)
    tot, n = 0.0, 0
    with torch.set_grad_enabled(training):
        for fp, y in loader:
            fp, y = fp.to(device), y.to(device)
            pred = model(fp)
            loss = criterion(pred, y)
            if training:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            tot += loss.item() * fp.size(0)
            n += fp.size(0)
    return (tot / n) ** 0.5


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=128)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_ds, val_ds = FingerprintDataset(6000, seed=0), FingerprintDataset(1000, seed=1)
    train_dl = DataLoader(train_ds, batch_size=args.bs, shuffle=True)
    val_dl = DataLoader(val_ds, batch_size=512)
    model = FPNet().to(dev)
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)

    best = float("inf")
    for epoch in range(args.epochs):
        tr = run_epoch(model, train_dl, criterion, dev, optimizer)
        va = run_epoch(model, val_dl, criterion, dev)
        log.info("epoch %02d train RMSE %.4f val RMSE %.4f (std units)", epoch, tr, va)
        if va < best:
            best = va
            torch.save(model.state_dict(), "fpnet_best.pt")


if __name__ == "__main__":
    main()
