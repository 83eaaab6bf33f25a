# expect: TVL003
# style: hand-written Trainer class with overridable hooks, time-series forecaster (GRU)
# bug: Trainer.optimizer_step() calls zero_grad() before optimizer.step(), i.e. between backward() (in training_step) and step(), so every step applies empty gradients.
import argparse
import logging
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("forecast")


@dataclass
class TrainConfig:
    window: int = 48
    horizon: int = 12
    hidden: int = 64
    epochs: int = 15
    batch_size: int = 64
    lr: float = 2e-3
    grad_clip: float = 1.0


class SineWindows(Dataset):
    def __init__(self, length, window, horizon, seed=0):
        rng = np.random.default_rng(seed)
        t = np.arange(length)
        self.series = (np.sin(t / 12) + 0.5 * np.sin(t / 5) + 0.1 * rng.standard_normal(length)).astype(np.float32)
        self.window, self.horizon = window, horizon

    def __len__(self):
        return len(self.series) - self.window - self.horizon

    def __getitem__(self, i):
        x = self.series[i:i + self.window]
        y = self.series[i + self.window:i + self.window + self.horizon]
        return torch.from_numpy(x).unsqueeze(-1), torch.from_numpy(y)


class GRUForecaster(nn.Module):
    def __init__(self, hidden, horizon):
        super().__init__()
        self.rnn = nn.GRU(1, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


class Trainer:
    def __init__(self, model, cfg: TrainConfig):
        self.model = model
        self.cfg = cfg
        self.optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
        self.loss_fn = nn.MSELoss()
        self.global_step = 0

    def training_step(self, batch):
        x, y = batch
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        return loss

    def optimizer_step(self):
        if self.cfg.grad_clip:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.optimizer.zero_grad()
        self.optimizer.step()
        self.global_step += 1

    @torch.no_grad()
    def validate(self, loader):
        self.model.eval()
        errs = [self.loss_fn(self.model(x), y).item() for x, y in loader]
        self.model.train()
        return float(np.mean(errs))

    def fit(self, train_loader, val_loader):
        for epoch in range(self.cfg.epochs):
            self.model.train()
            losses = []
            for batch in train_loader:
                loss = self.training_step(batch)
                self.optimizer_step()
                losses.append(loss.item())
            val = self.validate(val_loader)
            log.info("epoch %02d step %d train_mse %.5f val_mse %.5f", epoch, self.global_step, np.mean(losses), val)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=TrainConfig.epochs)
    ap.add_argument("--lr", type=float, default=TrainConfig.lr)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    cfg = TrainConfig(epochs=args.epochs, lr=args.lr)

    train_ds = SineWindows(5000, cfg.window, cfg.horizon, seed=0)
    val_ds = SineWindows(1000, cfg.window, cfg.horizon, seed=1)
    train_loader = DataLoader(train_ds, batch_size=cfg.batch_size, shuffle=True, drop_last=True)
    val_loader = DataLoader(val_ds, batch_size=256)

    model = GRUForecaster(cfg.hidden, cfg.horizon)
    Trainer(model, cfg).fit(train_loader, val_loader)
    torch.save(model.state_dict(), "gru_forecaster.pt")


if __name__ == "__main__":
    main()
