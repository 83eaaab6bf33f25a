# expect: TVL009
# style: molecular property regression repo (fingerprint MLP), Dataset/model/loss spread over "modules"
# bug: MolDataset returns the target as a 0-d tensor (batched to (B,)) while PropertyHead ends in nn.Linear(hidden, 1) giving (B, 1); compute_loss() calls F.l1_loss on them, which broadcasts to (B, B).
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("molprop")


# ------------------------------------------------------------------ data
class MolDataset(Dataset):
    """Morgan-fingerprint-like bit vectors with a synthetic solubility target."""

    def __init__(self, n, n_bits=1024, seed=0):
        rng = np.random.default_rng(seed)
        self.fp = (rng.random((n, n_bits)) < 0.05).astype(np.float32)
        w = rng.normal(size=n_bits) * (rng.random(n_bits) < 0.1)
        self.y = (self.fp @ w + 0.1 * rng.normal(size=n)).astype(np.float32)
        self.y_mean, self.y_std = float(self.y.mean()), float(self.y.std())

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        target = (self.y[i] - self.y_mean) / self.y_std
        return torch.from_numpy(self.fp[i]), torch.tensor(target)


# ------------------------------------------------------------------ model
class PropertyHead(nn.Module):
    def __init__(self, n_bits=1024, hidden=512, dropout=0.2):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_bits, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden // 2, 1),
        )

    def forward(self, fp):
        return self.net(fp)


# ------------------------------------------------------------------ engine
def compute_loss(pred, target):
    return F.l1_loss(pred, target)


def run_train_epoch(model, loader, opt):
    model.train()
    losses = []
    for fp, y in loader:
        loss = compute_loss(model(fp), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return float(np.mean(losses))


@torch.no_grad()
def run_eval(model, loader):
    model.eval()
    errs = []
    for fp, y in loader:
        errs.append((model(fp).view(-1) - y).abs())
    return torch.cat(errs).mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--bs", type=int, default=64)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_ds, val_ds = MolDataset(6000, seed=0), MolDataset(1000, seed=1)
    train_dl = DataLoader(train_ds, batch_size=args.bs, shuffle=True, drop_last=True)
    val_dl = DataLoader(val_ds, batch_size=256)

    model = PropertyHead()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", patience=3)
    best = float("inf")
    for epoch in range(args.epochs):
        tr = run_train_epoch(model, train_dl, opt)
        va = run_eval(model, val_dl)
        sched.step(va)
        if va < best:
            best = va
            torch.save(model.state_dict(), "molprop_best.pt")
        log.info("epoch %02d train_mae %.4f val_mae %.4f best %.4f", epoch, tr, va, best)


if __name__ == "__main__":
    main()
