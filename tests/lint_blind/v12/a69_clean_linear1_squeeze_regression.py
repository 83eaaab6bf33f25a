# expect: clean
# style: molecular property regression (solubility) with fingerprints, Dataset + model + train helpers
# note: the model ends in nn.Linear(..., 1) and the targets are 1-D, but forward() returns out.squeeze(-1), so prediction and target are both (B,)
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class FingerprintDataset(Dataset):
    def __init__(self, fps, y):
        self.fps = torch.as_tensor(fps, dtype=torch.float32)
        self.y = torch.as_tensor(y, dtype=torch.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.fps[i], self.y[i]


class SolubilityNet(nn.Module):
    def __init__(self, n_bits=2048, hidden=512):
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(n_bits, hidden), nn.ReLU(), nn.Dropout(0.2),
            nn.Linear(hidden, hidden // 2), nn.ReLU(), nn.Dropout(0.2),
        )
        self.out = nn.Linear(hidden // 2, 1)

    def forward(self, x):
        return self.out(self.mlp(x)).squeeze(-1)


def run_epoch(model, loader, loss_fn, opt=None):
    train = opt is not None
    model.train(train)
    total = 0.0
    with torch.set_grad_enabled(train):
        for fp, y in loader:
            pred = model(fp)
            loss = loss_fn(pred, y)
            if train:
                opt.zero_grad()
                loss.backward()
                opt.step()
            total += loss.item() * len(y)
    return total / len(loader.dataset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()

    rng = np.random.default_rng(3)
    fps = (rng.random((1128, 2048)) < 0.05).astype(np.float32)
    y = fps[:, :64].sum(1) * -0.1 + rng.normal(scale=0.3, size=1128)
    idx = rng.permutation(len(y))
    tr, va = idx[:900], idx[900:]
    train_dl = DataLoader(FingerprintDataset(fps[tr], y[tr]), batch_size=64, shuffle=True)
    val_dl = DataLoader(FingerprintDataset(fps[va], y[va]), batch_size=256)

    model = SolubilityNet()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    loss_fn = nn.MSELoss()
    best = math.inf
    for epoch in range(args.epochs):
        tr_mse = run_epoch(model, train_dl, loss_fn, opt)
        va_mse = run_epoch(model, val_dl, loss_fn)
        if va_mse < best:
            best = va_mse
            torch.save(model.state_dict(), "esol_best.pt")
        if epoch % 5 == 0:
            print(f"epoch {epoch:3d} train RMSE {math.sqrt(tr_mse):.3f} val RMSE {math.sqrt(va_mse):.3f}")
    print(f"best val RMSE {math.sqrt(best):.3f}")


if __name__ == "__main__":
    main()
