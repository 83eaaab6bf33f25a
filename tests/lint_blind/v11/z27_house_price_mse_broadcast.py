# expect: TVL009
# style: tabular regression with a Regressor class and a separate `compute_loss` helper
# bug: the model ends in nn.Linear(..., 1) giving (B, 1) predictions while the dataset yields (B,) targets; `compute_loss` passes them straight to F.mse_loss, which broadcasts to (B, B)
import argparse
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class HousingDataset(Dataset):
    def __init__(self, n=5000, n_feat=13, seed=0):
        rng = np.random.default_rng(seed)
        self.x = rng.normal(size=(n, n_feat)).astype(np.float32)
        w = rng.normal(size=n_feat).astype(np.float32)
        self.y = (self.x @ w + rng.normal(scale=0.3, size=n)).astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), torch.tensor(self.y[i])


class Regressor(nn.Module):
    def __init__(self, n_feat, hidden=(64, 32)):
        super().__init__()
        layers, d = [], n_feat
        for h in hidden:
            layers += [nn.Linear(d, h), nn.SiLU()]
            d = h
        layers.append(nn.Linear(d, 1))
        self.mlp = nn.Sequential(*layers)

    def forward(self, x):
        return self.mlp(x)


def compute_loss(model, batch):
    x, y = batch
    pred = model(x)
    return F.mse_loss(pred, y)


def run(args):
    ds = HousingDataset()
    n_val = len(ds) // 5
    train_ds, val_ds = torch.utils.data.random_split(ds, [len(ds) - n_val, n_val])
    train_dl = DataLoader(train_ds, batch_size=args.bs, shuffle=True)
    val_dl = DataLoader(val_ds, batch_size=512)
    model = Regressor(13)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        for batch in train_dl:
            loss = compute_loss(model, batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            val = sum(compute_loss(model, b).item() * len(b[1]) for b in val_dl) / n_val
        print(f"epoch {epoch} val rmse {math.sqrt(val):.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    run(ap.parse_args())
