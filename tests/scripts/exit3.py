"""Behaviour: trains a few steps, then exits with sys.exit(3)."""

import sys

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)
x = torch.randn(128, 8)
y = x[:, :1] * 2 - x[:, 1:2]
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(20):
    optimizer.zero_grad()
    F.mse_loss(model(x), y).backward()
    optimizer.step()
print("exiting with 3", flush=True)
sys.exit(3)
