"""Behaviour: an optimizer that misses the first layer (a fault planted before the crash), ten
steps of training, then an uncaught RuntimeError."""

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)
x = torch.randn(128, 8)
y = x[:, :1] * 2 - x[:, 1:2]
model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
optimizer = torch.optim.Adam(model[2].parameters(), lr=1e-3)  # model[0] is left out
for _ in range(10):
    optimizer.zero_grad()
    F.mse_loss(model(x), y).backward()
    optimizer.step()
raise RuntimeError("boom after 10 steps")  # line named by the traceback
