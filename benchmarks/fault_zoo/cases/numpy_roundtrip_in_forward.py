# zoo: expect=dead-parameters
# zoo: source=common mistake (NumPy round trip inside forward)
"""Fault: forward() clips the encoder's features with np.clip, which needs
.detach().cpu().numpy() and torch.from_numpy() around it. The round trip cuts the autograd graph:
the head still trains, but the encoder below the NumPy call never gets a gradient
(dead-parameters). --fixed: torch.clamp, which stays in the graph."""

import argparse

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)


class Net(nn.Module):
    def __init__(self, fixed: bool) -> None:
        super().__init__()
        self.fixed = fixed
        self.encoder = nn.Sequential(nn.Linear(10, 64), nn.Tanh(), nn.Linear(64, 32))
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(32, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encoder(x)
        if self.fixed:
            h = torch.clamp(h, -3.0, 3.0)
        else:  # the bug: a NumPy round trip
            h = torch.from_numpy(np.clip(h.detach().cpu().numpy(), -3.0, 3.0))
        return self.head(h)


g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 10, generator=g)
y = torch.sin(x[:, :1]) * x[:, 1:2] + 0.5 * x[:, 2:3]

model = Net(args.fixed)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(150):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
