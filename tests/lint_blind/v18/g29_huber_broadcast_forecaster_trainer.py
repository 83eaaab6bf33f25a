# expect: TVL009
# style: energy-load time-series forecaster, Trainer class with a loss registry chosen by config
# bug: the one-step-ahead LSTM head is nn.Linear(hidden, 1) (B, 1) while the window dataset yields the next value as shape (B,); the configured "huber" loss (F.huber_loss) broadcasts them to (B, B).
import logging
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("load")


@dataclass
class Config:
    lookback: int = 96
    hidden: int = 64
    layers: int = 2
    loss: str = "huber"
    delta: float = 1.0
    lr: float = 1e-3
    epochs: int = 12
    batch_size: int = 128


LOSSES = {
    "mse": lambda p, t, c: F.mse_loss(p, t),
    "huber": lambda p, t, c: F.huber_loss(p, t, delta=c.delta),
}


class LoadSeries(Dataset):
    def __init__(self, hours, lookback, seed=0):
        rng = np.random.default_rng(seed)
        t = np.arange(hours)
        series = 10 + 3 * np.sin(2 * np.pi * t / 24) + np.sin(2 * np.pi * t / 168) + rng.normal(0, 0.3, hours)
        self.mu, self.sigma = series.mean(), series.std()
        self.x = ((series - self.mu) / self.sigma).astype(np.float32)
        self.lookback = lookback

    def __len__(self):
        return len(self.x) - self.lookback

    def __getitem__(self, i):
        window = self.x[i:i + self.lookback]
        nxt = self.x[i + self.lookback]
        return torch.from_numpy(window).unsqueeze(-1), torch.tensor(nxt)


class LSTMForecaster(nn.Module):
    def __init__(self, hidden, layers):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, layers, batch_first=True, dropout=0.1)
        self.proj = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.proj(out[:, -1, :])


class Trainer:
    def __init__(self, cfg: Config):
        self.cfg = cfg
        self.model = LSTMForecaster(cfg.hidden, cfg.layers)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.criterion = LOSSES[cfg.loss]

    def _step(self, batch):
        x, y = batch
        pred = self.model(x)
        return self.criterion(pred, y, self.cfg)

    def train_epoch(self, loader):
        self.model.train()
        total = 0.0
        for batch in loader:
            loss = self._step(batch)
            self.opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.opt.step()
            total += loss.item()
        return total / len(loader)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        se, n = 0.0, 0
        for x, y in loader:
            se += ((self.model(x).squeeze(-1) - y) ** 2).sum().item()
            n += len(y)
        return (se / n) ** 0.5

    def fit(self, train_dl, val_dl):
        for epoch in range(self.cfg.epochs):
            tr = self.train_epoch(train_dl)
            rmse = self.evaluate(val_dl)
            logger.info("epoch %2d train_%s %.4f val_rmse %.4f", epoch, self.cfg.loss, tr, rmse)
        return self.model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cfg = Config()
    train_dl = DataLoader(LoadSeries(24 * 365, cfg.lookback, 0), batch_size=cfg.batch_size, shuffle=True)
    val_dl = DataLoader(LoadSeries(24 * 60, cfg.lookback, 1), batch_size=512)
    model = Trainer(cfg).fit(train_dl, val_dl)
    torch.save(model.state_dict(), "lstm_load.pt")
