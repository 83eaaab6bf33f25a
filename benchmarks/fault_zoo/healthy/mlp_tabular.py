# zoo: healthy
# zoo: args=--epochs 6
"""Healthy: an MLP regressor on synthetic tabular data, with the habits of a real job:
standardised features and targets, a DataLoader with a validation split, dropout switched by
model.train()/model.eval(), AdamW with weight decay on weights only, a cosine schedule stepped
per batch, and gradient clipping."""

import argparse
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=6)
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(3072, 20, generator=g)
y = (torch.sin(2 * x[:, :1]) + x[:, 1:2] * x[:, 2:3] - 0.5 * x[:, 3:4].abs()
     + 0.1 * torch.randn(3072, 1, generator=g))
mu, sd = x[:2560].mean(0), x[:2560].std(0)
x = (x - mu) / sd
y = (y - y[:2560].mean()) / y[:2560].std()
train_loader = DataLoader(TensorDataset(x[:2560], y[:2560]), batch_size=64, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x[2560:], y[2560:]), batch_size=256)

model = nn.Sequential(
    nn.Linear(20, 128), nn.GELU(), nn.Dropout(0.1),
    nn.Linear(128, 128), nn.GELU(), nn.Dropout(0.1),
    nn.Linear(128, 1),
)
decay = [p for n, p in model.named_parameters() if p.ndim == 2]
no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 1e-2},
                               {"params": no_decay, "weight_decay": 0.0}], lr=2e-3)
total = args.epochs * len(train_loader)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer,
                                              lambda s: 0.5 * (1 + math.cos(math.pi * s / total)))
for epoch in range(args.epochs):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
    model.eval()
    with torch.no_grad():
        val = sum(F.mse_loss(model(xb), yb, reduction="sum").item() for xb, yb in val_loader) / 512
    print(f"epoch {epoch + 1}: train loss {loss.item():.4f}, val loss {val:.4f}")
