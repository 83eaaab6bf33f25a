# expect: TVL002
# style: time-series forecasting Trainer with a postprocess step and a "requires_grad" workaround
# bug: postprocess() detaches the forecast to denormalise it and the trainer sets loss.requires_grad_(True) to silence the backward error, so the LSTM never gets a gradient
import argparse
import logging
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("forecast")


class WindowDataset(Dataset):
    def __init__(self, series, context, horizon):
        self.series, self.context, self.horizon = series, context, horizon

    def __len__(self):
        return len(self.series) - self.context - self.horizon

    def __getitem__(self, i):
        x = self.series[i:i + self.context]
        y = self.series[i + self.context:i + self.context + self.horizon]
        return x.unsqueeze(-1), y


class Scaler:
    def __init__(self, series):
        self.mu, self.sd = series.mean(), series.std()

    def transform(self, x):
        return (x - self.mu) / self.sd

    def inverse(self, x):
        return x * self.sd + self.mu


class LSTMForecaster(nn.Module):
    def __init__(self, hidden, horizon, layers=2):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=layers, batch_first=True, dropout=0.1)
        self.head = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


class ForecastTrainer:
    def __init__(self, model, scaler, lr, epochs):
        self.model, self.scaler, self.epochs = model, scaler, epochs
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.loss_fn = nn.MSELoss()

    def postprocess(self, pred):
        # back to original units so the loss is comparable with the report
        return self.scaler.inverse(pred.detach())

    def step(self, x, y):
        pred = self.postprocess(self.model(self.scaler.transform(x)))
        loss = self.loss_fn(pred, y)
        if not loss.requires_grad:
            loss.requires_grad_(True)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    @torch.no_grad()
    def validate(self, loader):
        self.model.eval()
        se, n = 0.0, 0
        for x, y in loader:
            pred = self.postprocess(self.model(self.scaler.transform(x)))
            se += ((pred - y) ** 2).sum().item()
            n += y.numel()
        self.model.train()
        return math.sqrt(se / n)

    def fit(self, train_loader, val_loader):
        for ep in range(self.epochs):
            self.model.train()
            tot = 0.0
            for x, y in train_loader:
                tot += self.step(x, y)
            logger.info("epoch %d mse %.4f val_rmse %.4f", ep, tot / len(train_loader), self.validate(val_loader))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--context", type=int, default=96)
    ap.add_argument("--horizon", type=int, default=24)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    t = torch.arange(0, 6000, dtype=torch.float32)
    series = 10 + 3 * torch.sin(2 * math.pi * t / 24) + 0.5 * torch.randn_like(t)
    cut = 5000
    scaler = Scaler(series[:cut])
    train_ds = WindowDataset(series[:cut], args.context, args.horizon)
    val_ds = WindowDataset(series[cut:], args.context, args.horizon)
    trainer = ForecastTrainer(LSTMForecaster(args.hidden, args.horizon), scaler, args.lr, args.epochs)
    trainer.fit(DataLoader(train_ds, batch_size=64, shuffle=True), DataLoader(val_ds, batch_size=256))


if __name__ == "__main__":
    main()
