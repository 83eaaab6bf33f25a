# zoo: expect=worse-than-baseline
# zoo: source=common mistake (inputs and labels shuffled apart)
"""Fault: features and targets are kept in two DataLoaders that are zipped in the training loop,
and both have shuffle=True: each shuffles with its own random order, so every batch pairs
inputs with the targets of other samples. There is nothing to learn: the model learns the
targets' mean in the first epoch, the loss then stays flat at the targets' variance, and the
training RMSE stays at the mean predictor's, on the very data it trains on (worse-than-baseline:
no better than the mean predictor after the loss stopped falling). --fixed: one DataLoader over
a TensorDataset of (features, targets)."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] + 0.5 * torch.sin(3 * x[:, 2:3])
y = (y - y.mean()) / y.std()

if args.fixed:
    pairs = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)
else:  # the bug: two independent shuffles
    x_loader = DataLoader(TensorDataset(x), batch_size=64, shuffle=True)
    y_loader = DataLoader(TensorDataset(y), batch_size=64, shuffle=True)

model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(5):
    if args.fixed:
        batches = pairs
    else:
        batches = ((xb, yb) for (xb,), (yb,) in zip(x_loader, y_loader, strict=True))
    total = 0.0
    for xb, yb in batches:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch + 1}: train loss {total / 16:.4f}")
