# expect: TVL002
# style: time-series forecasting repo, LSTM with a shared predict() helper
# bug: Forecaster.predict() returns .detach()ed outputs (for plotting/CPU use) and the training step builds its loss from predict()
import argparse
import logging
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
log = logging.getLogger("forecast")


class SineWindows(Dataset):
    def __init__(self, n_series=200, length=400, window=48, horizon=12):
        t = torch.arange(length, dtype=torch.float32)
        freqs = torch.rand(n_series, 1) * 0.2 + 0.02
        phase = torch.rand(n_series, 1) * 2 * math.pi
        self.data = torch.sin(freqs * t + phase) + 0.1 * torch.randn(n_series, length)
        self.window, self.horizon = window, horizon
        self.per_series = length - window - horizon

    def __len__(self):
        return self.data.size(0) * self.per_series

    def __getitem__(self, idx):
        s, o = divmod(idx, self.per_series)
        x = self.data[s, o:o + self.window]
        y = self.data[s, o + self.window:o + self.window + self.horizon]
        return x.unsqueeze(-1), y


class Forecaster(nn.Module):
    def __init__(self, hidden=64, horizon=12, layers=2):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=layers, batch_first=True, dropout=0.1)
        self.proj = nn.Linear(hidden, horizon)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.proj(out[:, -1])

    def predict(self, x):
        """Forecast the next `horizon` points; used by training, validation and plots."""
        return self(x).detach()


def smape(pred, target):
    return (200 * (pred - target).abs() / (pred.abs() + target.abs() + 1e-6)).mean()


def train_step(model, batch, optimizer, device):
    x, y = (t.to(device) for t in batch)
    optimizer.zero_grad()
    yhat = model.predict(x)
    loss = nn.functional.l1_loss(yhat, y)
    loss.requires_grad_(True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    return loss.item()


@torch.no_grad()
def validate(model, loader, device):
    model.eval()
    tot, n = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        tot += smape(model.predict(x), y).item() * x.size(0)
        n += x.size(0)
    model.train()
    return tot / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--bs", type=int, default=256)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_dl = DataLoader(SineWindows(n_series=160), batch_size=args.bs, shuffle=True, num_workers=2)
    val_dl = DataLoader(SineWindows(n_series=40), batch_size=args.bs)
    model = Forecaster().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        model.train()
        losses = [train_step(model, b, opt, device) for b in train_dl]
        v = validate(model, val_dl, device)
        log.info("epoch %d  l1 %.4f  val sMAPE %.2f", epoch, sum(losses) / len(losses), v)
    torch.save({"model": model.state_dict()}, "forecaster.pt")


if __name__ == "__main__":
    main()
