# zoo: expect=loss-input-mismatch
# zoo: source=https://github.com/pytorch/pytorch/issues/16045
"""Fault: F.mse_loss(pred (B, 1), y (B,)) broadcasts to a (B, B) comparison; the model learns
the target mean (loss-input-mismatch). --fixed: pred.squeeze(-1)."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(512, 8, generator=g)
y = x[:, 0] * 2 - x[:, 1] ** 2 + 0.5 * torch.sin(3 * x[:, 2])  # shape (N,)

model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(250):
    i = torch.randint(0, len(x), (32,), generator=g)
    pred = model(x[i])  # (32, 1)
    if args.fixed:
        pred = pred.squeeze(-1)
    optimizer.zero_grad()
    loss = F.mse_loss(pred, y[i])  # the bug: (32, 1) against (32,)
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
