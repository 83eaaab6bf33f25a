# expect: TVL003
# style: plain script, time-series forecasting with an LSTM
# bug: optimizer.zero_grad() is called after loss.backward() and before optimizer.step(), so every step applies zero gradients.
import math

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

WINDOW = 48
HORIZON = 12


def make_series(n=6000):
    t = np.arange(n)
    s = np.sin(2 * math.pi * t / 24) + 0.5 * np.sin(2 * math.pi * t / (24 * 7)) + 0.1 * np.random.randn(n)
    return s.astype(np.float32)


class WindowDataset(Dataset):
    def __init__(self, series):
        self.s = torch.from_numpy(series)

    def __len__(self):
        return len(self.s) - WINDOW - HORIZON

    def __getitem__(self, i):
        x = self.s[i:i + WINDOW].unsqueeze(-1)
        y = self.s[i + WINDOW:i + WINDOW + HORIZON]
        return x, y


class Forecaster(nn.Module):
    def __init__(self, hidden=64, layers=2):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=layers, batch_first=True, dropout=0.1)
        self.out = nn.Linear(hidden, HORIZON)

    def forward(self, x):
        h, _ = self.lstm(x)
        return self.out(h[:, -1])


series = make_series()
cut = int(len(series) * 0.85)
train_dl = DataLoader(WindowDataset(series[:cut]), batch_size=64, shuffle=True)
test_dl = DataLoader(WindowDataset(series[cut:]), batch_size=256, shuffle=False)

model = Forecaster()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
loss_fn = nn.MSELoss()

for epoch in range(15):
    model.train()
    tr = 0.0
    for x, y in train_dl:
        pred = model(x)
        loss = loss_fn(pred, y)
        loss.backward()
        opt.zero_grad()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tr += loss.item() * x.size(0)
    tr /= len(train_dl.dataset)

    model.eval()
    mae, n = 0.0, 0
    with torch.no_grad():
        for x, y in test_dl:
            mae += (model(x) - y).abs().sum().item()
            n += y.numel()
    print(f"epoch {epoch:2d} train_mse {tr:.4f} test_mae {mae / n:.4f}")
