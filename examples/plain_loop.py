"""The smallest use of torchvitals: a plain loop with one bug (an optimizer that misses the
first layer). Run: python examples/plain_loop.py"""

import torch
import torch.nn.functional as F
from torch import nn

import torchvitals

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model[2].parameters(), lr=1e-3)  # the bug: model[0] is left out
x = torch.randn(256, 8)
y = x[:, :1] * 2 - x[:, 1:2]

with torchvitals.watch(model, optimizer, out="") as monitor:
    for _ in range(100):
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()

print([f.name for f in monitor.diagnosis.findings])
