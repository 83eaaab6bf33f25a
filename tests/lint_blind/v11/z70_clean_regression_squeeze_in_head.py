# expect: clean
# style: regression Trainer for molecular property prediction on fingerprint vectors; loss computed in a separate function
# note: the model ends in nn.Linear(..., 1) and targets are 1-D, but `forward` returns `.squeeze(-1)`, so prediction and target are both (B,)
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class FingerprintMLP(nn.Module):
    def __init__(self, n_bits=2048, hidden=512, dropout=0.2):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_bits, hidden), nn.ReLU(), nn.Dropout(dropout),
                                  nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Dropout(dropout))
        self.out = nn.Linear(hidden // 2, 1)

    def forward(self, x):
        return self.out(self.body(x)).squeeze(-1)


def loss_fn(pred, target):
    return F.smooth_l1_loss(pred, target, beta=0.5)


class Trainer:
    def __init__(self, model, lr):
        self.model = model
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)

    def fit_epoch(self, loader):
        self.model.train()
        tot, n = 0.0, 0
        for x, y in loader:
            loss = loss_fn(self.model(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            tot += loss.item() * len(y)
            n += len(y)
        return tot / n

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        preds, ys = [], []
        for x, y in loader:
            preds.append(self.model(x))
            ys.append(y)
        self.model.train()
        p, t = torch.cat(preds), torch.cat(ys)
        rmse = torch.sqrt(F.mse_loss(p, t)).item()
        r2 = 1 - ((p - t) ** 2).sum().item() / ((t - t.mean()) ** 2).sum().item()
        return rmse, r2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    fps = (rng.random((4000, 2048)) < 0.05).astype(np.float32)
    logp = fps[:, :50].sum(1) * 0.3 - fps[:, 50:90].sum(1) * 0.2 + rng.normal(0, 0.3, 4000)
    x, y = torch.from_numpy(fps), torch.from_numpy(logp.astype(np.float32))
    tr = DataLoader(TensorDataset(x[:3200], y[:3200]), batch_size=64, shuffle=True)
    va = DataLoader(TensorDataset(x[3200:], y[3200:]), batch_size=256)
    trainer = Trainer(FingerprintMLP(), args.lr)
    for ep in range(args.epochs):
        tl = trainer.fit_epoch(tr)
        rmse, r2 = trainer.evaluate(va)
        print(f"epoch {ep:02d} train {tl:.4f} val rmse {rmse:.4f} r2 {r2:.3f}")


if __name__ == "__main__":
    main()
