# zoo: expect=metric-stagnation
# zoo: source=a field report ("the same val loss to 6 decimals")
"""Fault: validation runs on an EMA copy of the model (deep-copied before training), but the
line that updates the EMA weights after each step was lost in a refactor. The trained model
improves; the model being evaluated is frozen at its initial weights, so every epoch reports
the same validation loss to the last digit (metric-stagnation). --fixed: update the EMA after
every optimizer step."""

import argparse
import copy

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
parser.add_argument("--epochs", type=int, default=5)
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(1280, 10, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])
y = y + 0.1 * torch.randn(1280, 1, generator=g)
train_loader = DataLoader(TensorDataset(x[:1024], y[:1024]), batch_size=64, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x[1024:], y[1024:]), batch_size=128)

model = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
ema = copy.deepcopy(model).requires_grad_(False)
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)


@torch.no_grad()
def update_ema(decay: float = 0.9) -> None:
    for e, p in zip(ema.parameters(), model.parameters(), strict=True):
        e.lerp_(p, 1 - decay)


for epoch in range(args.epochs):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
        if args.fixed:
            update_ema()  # the bug: this call is missing
    ema.eval()
    total = 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            total += F.mse_loss(ema(xb), yb).item() * len(xb)
    print(f"epoch {epoch + 1}: train loss {loss.item():.4f}, val loss (EMA) {total / 256:.6f}")
