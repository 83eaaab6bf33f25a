# expect: TVL003
# style: time-series LSTM forecaster, inline script with tqdm-like prints
# bug: optimizer.zero_grad() sits between loss.backward() and optimizer.step(), so every step applies zero gradients
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class WindowDataset(Dataset):
    def __init__(self, series, lookback=48, horizon=12):
        self.s = torch.tensor(series, dtype=torch.float32)
        self.lb, self.h = lookback, horizon

    def __len__(self):
        return len(self.s) - self.lb - self.h

    def __getitem__(self, i):
        x = self.s[i:i + self.lb].unsqueeze(-1)
        y = self.s[i + self.lb:i + self.lb + self.h]
        return x, y


class Forecaster(nn.Module):
    def __init__(self, hidden=64, horizon=12):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=2, batch_first=True, dropout=0.1)
        self.out = nn.Linear(hidden, horizon)

    def forward(self, x):
        h, _ = self.lstm(x)
        return self.out(h[:, -1])


t = np.arange(6000)
series = np.sin(t / 24) + 0.3 * np.sin(t / 168) + 0.05 * np.random.randn(len(t))
train_ds = WindowDataset(series[:5000])
test_ds = WindowDataset(series[5000:])
train_loader = DataLoader(train_ds, batch_size=128, shuffle=True)
test_loader = DataLoader(test_ds, batch_size=256)

model = Forecaster()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
criterion = nn.MSELoss()

for epoch in range(15):
    model.train()
    epoch_loss = 0.0
    for x, y in train_loader:
        pred = model(x)
        loss = criterion(pred, y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.zero_grad()
        optimizer.step()
        epoch_loss += loss.item()

    model.eval()
    with torch.no_grad():
        mae = sum((model(x) - y).abs().mean().item() for x, y in test_loader) / len(test_loader)
    print(f"epoch {epoch:02d} train_mse {epoch_loss / len(train_loader):.5f} test_mae {mae:.5f}")
