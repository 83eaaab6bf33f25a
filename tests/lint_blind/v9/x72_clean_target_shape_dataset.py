# expect: clean
# style: research repo, molecular property regression where Dataset returns (1,)-shaped targets and model predicts (B, 1)
# note: the model's last layer is nn.Linear(hidden, 1) and the loss is mse_loss without squeezing, but the Dataset returns targets with shape (1,), so batches are (B, 1) on both sides.
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("qsar")


class FingerprintDataset(Dataset):
    def __init__(self, n=6000, bits=1024, seed=0):
        rng = np.random.default_rng(seed)
        self.fp = (rng.random((n, bits)) < 0.05).astype(np.float32)
        w = rng.normal(size=bits).astype(np.float32) * 0.1
        self.y = (self.fp @ w + rng.normal(scale=0.1, size=n)).astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.fp[i]), torch.tensor([self.y[i]])


def build_model(bits, hidden=512, layers=3, dropout=0.2):
    mods, d = [], bits
    for _ in range(layers):
        mods += [nn.Linear(d, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout)]
        d = hidden
    mods.append(nn.Linear(d, 1))
    return nn.Sequential(*mods)


def train_epoch(model, loader, opt):
    model.train()
    tot = 0.0
    for fp, y in loader:
        opt.zero_grad()
        loss = F.mse_loss(model(fp), y)
        loss.backward()
        opt.step()
        tot += loss.item() * len(y)
    return tot / len(loader.dataset)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    preds, ys = [], []
    for fp, y in loader:
        preds.append(model(fp))
        ys.append(y)
    p, t = torch.cat(preds), torch.cat(ys)
    rmse = F.mse_loss(p, t).sqrt().item()
    r2 = 1 - ((p - t) ** 2).sum().item() / ((t - t.mean()) ** 2).sum().item()
    return rmse, r2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    ds = FingerprintDataset()
    tr, va = torch.utils.data.random_split(ds, [5000, 1000], generator=torch.Generator().manual_seed(0))
    tr_dl = DataLoader(tr, batch_size=128, shuffle=True)
    va_dl = DataLoader(va, batch_size=512)
    model = build_model(1024)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    for epoch in range(args.epochs):
        loss = train_epoch(model, tr_dl, opt)
        rmse, r2 = evaluate(model, va_dl)
        log.info("epoch %d train mse %.4f val rmse %.4f r2 %.3f", epoch, loss, rmse, r2)


if __name__ == "__main__":
    main()
