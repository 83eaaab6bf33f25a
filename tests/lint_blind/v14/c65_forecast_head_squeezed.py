# expect: clean
# style: Trainer for multi-store sales forecasting with a (B, 1) linear head
# note: the regressor head is nn.Linear(hidden, 1) and the target is 1-D, but the model squeezes the last dimension before MSE, so shapes match as (B,)
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("sales")


class SalesDataset(Dataset):
    def __init__(self, n_stores=50, n_days=700, lookback=28, seed=0):
        rng = np.random.default_rng(seed)
        t = np.arange(n_days)
        base = rng.uniform(50, 200, n_stores)[:, None]
        weekly = 1 + 0.2 * np.sin(2 * np.pi * t / 7)[None, :]
        self.sales = (base * weekly + rng.normal(0, 5, (n_stores, n_days))).astype(np.float32)
        self.store_ids = np.arange(n_stores)
        self.lookback = lookback
        self.index = [(s, d) for s in range(n_stores) for d in range(lookback, n_days)]
        self.scale = self.sales.mean(1, keepdims=True)

    def __len__(self):
        return len(self.index)

    def __getitem__(self, i):
        s, d = self.index[i]
        hist = self.sales[s, d - self.lookback:d] / self.scale[s]
        dow = np.eye(7, dtype=np.float32)[d % 7]
        target = self.sales[s, d] / self.scale[s, 0]
        return torch.from_numpy(hist), torch.from_numpy(dow), s, torch.tensor(target, dtype=torch.float32)


class Forecaster(nn.Module):
    def __init__(self, lookback, n_stores, hidden=64):
        super().__init__()
        self.store_emb = nn.Embedding(n_stores, 8)
        self.mlp = nn.Sequential(nn.Linear(lookback + 7 + 8, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.out = nn.Linear(hidden, 1)

    def forward(self, hist, dow, store):
        h = self.mlp(torch.cat([hist, dow, self.store_emb(store)], -1))
        return self.out(h).squeeze(-1)


class Trainer:
    def __init__(self, model, lr=1e-3):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.loss_fn = nn.MSELoss()

    def step(self, batch):
        hist, dow, store, y = batch
        pred = self.model(hist, dow, store)
        loss = self.loss_fn(pred, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    @torch.no_grad()
    def wmape(self, loader):
        self.model.eval()
        err = tot = 0.0
        for hist, dow, store, y in loader:
            pred = self.model(hist, dow, store)
            err += (pred - y).abs().sum().item()
            tot += y.abs().sum().item()
        self.model.train()
        return err / tot

    def fit(self, train_loader, val_loader, epochs):
        for epoch in range(epochs):
            self.model.train()
            losses = [self.step(b) for b in train_loader]
            log.info("epoch %d mse %.5f val WMAPE %.4f", epoch, float(np.mean(losses)), self.wmape(val_loader))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ds = SalesDataset()
    n_val = len(ds) // 10
    train_ds, val_ds = torch.utils.data.random_split(ds, [len(ds) - n_val, n_val], generator=torch.Generator().manual_seed(0))
    train_loader = DataLoader(train_ds, batch_size=256, shuffle=True)
    val_loader = DataLoader(val_ds, batch_size=1024)
    Trainer(Forecaster(28, 50)).fit(train_loader, val_loader, epochs=15)
