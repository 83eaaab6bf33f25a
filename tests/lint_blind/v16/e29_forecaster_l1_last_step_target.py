# expect: TVL009
# style: time-series Trainer class, demand forecasting with a GRU and a one-step-ahead head
# bug: DemandDataset returns a scalar target so batches are (B,), while the GRU head is nn.Linear(hidden, 1) giving (B, 1); nn.L1Loss broadcasts the pair to (B, B)
import argparse
import logging
import math

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("demand")


class DemandDataset(Dataset):
    def __init__(self, sales, covariates, lookback):
        self.sales, self.cov, self.lookback = sales, covariates, lookback

    def __len__(self):
        return len(self.sales) - self.lookback

    def __getitem__(self, i):
        window = np.concatenate([self.sales[i:i + self.lookback, None], self.cov[i:i + self.lookback]], axis=1)
        target = self.sales[i + self.lookback]
        return torch.tensor(window, dtype=torch.float32), torch.tensor(target, dtype=torch.float32)


class GRUForecaster(nn.Module):
    def __init__(self, n_in, hidden=64):
        super().__init__()
        self.gru = nn.GRU(n_in, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.gru(x)
        return self.head(out[:, -1, :])


class Trainer:
    def __init__(self, model, lr, epochs, patience=5):
        self.model, self.epochs, self.patience = model, epochs, patience
        self.criterion = nn.L1Loss()
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        self.best, self.bad_epochs = math.inf, 0

    def _step(self, x, y):
        pred = self.model(x)
        return self.criterion(pred, y)

    def train_epoch(self, loader):
        self.model.train()
        total = 0.0
        for x, y in loader:
            self.optimizer.zero_grad()
            loss = self._step(x, y)
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.optimizer.step()
            total += loss.item() * len(x)
        return total / len(loader.dataset)

    @torch.no_grad()
    def eval_epoch(self, loader):
        self.model.eval()
        err = 0.0
        for x, y in loader:
            err += (self.model(x).squeeze(-1) - y).abs().sum().item()
        return err / len(loader.dataset)

    def fit(self, train_loader, val_loader):
        for epoch in range(self.epochs):
            tr = self.train_epoch(train_loader)
            va = self.eval_epoch(val_loader)
            logger.info("epoch %d train_l1 %.4f val_mae %.4f", epoch, tr, va)
            if va < self.best:
                self.best, self.bad_epochs = va, 0
                torch.save(self.model.state_dict(), "gru_demand.pt")
            else:
                self.bad_epochs += 1
                if self.bad_epochs >= self.patience:
                    logger.info("early stopping")
                    break


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lookback", type=int, default=28)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    days = np.arange(1500)
    sales = (20 + 5 * np.sin(2 * np.pi * days / 7) + np.random.poisson(3, len(days))).astype(np.float32)
    cov = np.stack([np.sin(2 * np.pi * days / 7), np.cos(2 * np.pi * days / 7), (days % 30 == 0)], 1).astype(np.float32)
    mu, sd = sales[:1200].mean(), sales[:1200].std()
    sales = (sales - mu) / sd
    train_ds = DemandDataset(sales[:1200], cov[:1200], args.lookback)
    val_ds = DemandDataset(sales[1200:], cov[1200:], args.lookback)
    trainer = Trainer(GRUForecaster(1 + cov.shape[1]), args.lr, args.epochs)
    trainer.fit(DataLoader(train_ds, batch_size=32, shuffle=True), DataLoader(val_ds, batch_size=128))


if __name__ == "__main__":
    main()
