# expect: clean
# style: research repo with predict_step()/compute_loss() split, molecular property regression from fingerprints
# note: the model ends in nn.Linear(..., 1) and the dataset yields 1-D targets, which looks like the broadcasting bug, but forward() squeezes the last dim so prediction and target are both (B,).
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Fingerprints(Dataset):
    def __init__(self, n, n_bits=1024, seed=0):
        rng = np.random.default_rng(seed)
        self.fp = (rng.random((n, n_bits)) < 0.05).astype(np.float32)
        w = rng.normal(0, 1, n_bits).astype(np.float32) * (rng.random(n_bits) < 0.1)
        self.y = (self.fp @ w + rng.normal(0, 0.3, n)).astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.fp[i]), torch.tensor(self.y[i])


class FPRegressor(nn.Module):
    def __init__(self, n_bits=1024, hidden=512, p=0.2):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_bits, hidden), nn.ReLU(), nn.Dropout(p),
                                  nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Dropout(p))
        self.out = nn.Linear(hidden // 2, 1)

    def forward(self, fp):
        return self.out(self.body(fp)).squeeze(-1)


def compute_loss(model, batch):
    fp, y = batch
    return F.mse_loss(model(fp), y)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    preds, ys = [], []
    for fp, y in loader:
        preds.append(model(fp))
        ys.append(y)
    p, t = torch.cat(preds), torch.cat(ys)
    rmse = math.sqrt(F.mse_loss(p, t).item())
    r2 = 1 - ((p - t) ** 2).sum().item() / ((t - t.mean()) ** 2).sum().item()
    return rmse, r2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--patience", type=int, default=5)
    args = ap.parse_args()
    torch.manual_seed(0)
    train_dl = DataLoader(Fingerprints(8000), batch_size=128, shuffle=True)
    val_dl = DataLoader(Fingerprints(1000, seed=1), batch_size=512)
    model = FPRegressor()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    best, bad = float("inf"), 0
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for batch in train_dl:
            loss = compute_loss(model, batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        rmse, r2 = evaluate(model, val_dl)
        print(f"epoch {epoch} train_mse {tot / len(train_dl):.4f} val_rmse {rmse:.4f} r2 {r2:.3f}")
        if rmse < best - 1e-4:
            best, bad = rmse, 0
            torch.save(model.state_dict(), "fp_regressor.pt")
        else:
            bad += 1
            if bad >= args.patience:
                print("early stopping")
                break


if __name__ == "__main__":
    main()
