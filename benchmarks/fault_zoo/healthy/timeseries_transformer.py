# zoo: healthy
# zoo: args=--epochs 4
"""Healthy: a time-series transformer forecasting the next return of a synthetic market
(returns with momentum and a weekly seasonality), reading a window of features with learned
positional embeddings and attention pooling over time, trained with AdamW and OneCycleLR per
batch, validated each epoch on a later stretch of the series."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=4)
args = parser.parse_args()
torch.manual_seed(0)

look_back, n = 32, 1600
g = torch.Generator().manual_seed(0)
steps = n + look_back + 1
noise = torch.randn(steps, generator=g)
ret = torch.zeros(steps)
for t in range(1, steps):
    ret[t] = 0.5 * ret[t - 1] + 0.4 * torch.sin(torch.tensor(2 * torch.pi * t / 7)) + noise[t]
day = torch.arange(steps) % 7
season = 2 * torch.pi * day / 7
feats = torch.stack([ret / ret.std(), torch.sin(season), torch.cos(season)], 1)
x = torch.stack([feats[t : t + look_back] for t in range(n)])
y = (ret[look_back : look_back + n] / ret.std()).unsqueeze(1)
split = 1280
train_loader = DataLoader(TensorDataset(x[:split], y[:split]), batch_size=32, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x[split:], y[split:]), batch_size=160)


class Forecaster(nn.Module):
    def __init__(self, d: int = 32) -> None:
        super().__init__()
        self.proj = nn.Linear(3, d)
        self.pos = nn.Parameter(0.02 * torch.randn(look_back, d))
        layer = nn.TransformerEncoderLayer(d, nhead=4, dim_feedforward=2 * d, dropout=0.05,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=1, enable_nested_tensor=False)
        self.attn_pool = nn.Linear(d, 1)
        self.head = nn.Sequential(nn.Linear(d, d), nn.GELU(), nn.Linear(d, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encoder(self.proj(x) + self.pos)
        w = torch.softmax(self.attn_pool(h), dim=1)  # attention over the time steps
        return self.head((w * h).sum(1))


model = Forecaster()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=3e-3,
                                                total_steps=args.epochs * len(train_loader))
for epoch in range(args.epochs):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
        scheduler.step()
    model.eval()
    with torch.no_grad():
        val = sum(F.mse_loss(model(xb), yb).item() for xb, yb in val_loader) / len(val_loader)
    print(f"epoch {epoch + 1}: train loss {loss.item():.4f}, val loss {val:.4f} "
          f"(variance: {y[split:].var():.4f})")
