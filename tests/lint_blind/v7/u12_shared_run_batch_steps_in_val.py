# expect: TVL004
# style: engine with a shared run_batch(train=...) used by both training and validation, recommender (matrix factorisation)
# bug: run_batch guards backward() with `if train` but calls optimizer.step() unconditionally, so every validation batch applies an optimizer step with the stale gradients of the last training batch.
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class MF(nn.Module):
    def __init__(self, n_users, n_items, dim=32):
        super().__init__()
        self.user = nn.Embedding(n_users, dim)
        self.item = nn.Embedding(n_items, dim)
        self.user_bias = nn.Embedding(n_users, 1)
        self.item_bias = nn.Embedding(n_items, 1)
        self.global_bias = nn.Parameter(torch.zeros(1))
        nn.init.normal_(self.user.weight, std=0.05)
        nn.init.normal_(self.item.weight, std=0.05)

    def forward(self, u, i):
        dot = (self.user(u) * self.item(i)).sum(-1)
        return dot + self.user_bias(u).squeeze(-1) + self.item_bias(i).squeeze(-1) + self.global_bias


class Engine:
    def __init__(self, model, lr, wd):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
        self.crit = nn.MSELoss()

    def run_batch(self, batch, train):
        u, i, r = batch
        if train:
            self.optimizer.zero_grad()
        with torch.set_grad_enabled(train):
            pred = self.model(u, i)
            loss = self.crit(pred, r)
        if train:
            loss.backward()
        self.optimizer.step()
        return loss.item(), len(r)

    def run_epoch(self, loader, train):
        self.model.train(train)
        se, n = 0.0, 0
        for batch in loader:
            l, b = self.run_batch(batch, train)
            se += l * b
            n += b
        return np.sqrt(se / n)


def synthetic_ratings(n_users=500, n_items=800, n=40000, seed=0):
    g = torch.Generator().manual_seed(seed)
    u = torch.randint(0, n_users, (n,), generator=g)
    i = torch.randint(0, n_items, (n,), generator=g)
    r = (torch.rand(n, generator=g) * 4 + 1).round()
    return u, i, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--dim", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-3)
    ap.add_argument("--wd", type=float, default=1e-5)
    args = ap.parse_args()

    u, i, r = synthetic_ratings()
    perm = torch.randperm(len(r))
    cut = int(0.9 * len(r))
    tr, va = perm[:cut], perm[cut:]
    train_loader = DataLoader(TensorDataset(u[tr], i[tr], r[tr]), batch_size=1024, shuffle=True)
    val_loader = DataLoader(TensorDataset(u[va], i[va], r[va]), batch_size=4096)

    engine = Engine(MF(500, 800, args.dim), args.lr, args.wd)
    for epoch in range(args.epochs):
        tr_rmse = engine.run_epoch(train_loader, train=True)
        va_rmse = engine.run_epoch(val_loader, train=False)
        print(f"epoch {epoch:02d} train RMSE {tr_rmse:.4f} val RMSE {va_rmse:.4f}")


if __name__ == "__main__":
    main()
