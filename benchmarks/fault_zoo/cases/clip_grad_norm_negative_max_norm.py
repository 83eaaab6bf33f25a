# zoo: expect=loss-not-decreasing
# zoo: source=https://github.com/pytorch/pytorch/issues/31367 (clip_grad_norm_ accepts a negative max_norm and reverses every gradient)
"""Fault: a sign slip in the config gives clip_grad_norm_ a max_norm of -1. It does not raise:
the clip coefficient max_norm / norm is negative, so every gradient is flipped and each Adam step
goes uphill. The loss climbs from the first steps on and keeps climbing while nothing fails
(loss-not-decreasing). --fixed: max_norm=1."""

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
x = torch.randn(1024, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2
max_grad_norm = 1.0 if args.fixed else -1.0  # the bug: a negative norm

model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for step in range(800):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
    optimizer.step()
    if step % 200 == 0:
        print(f"step {step}: loss {loss.item():.4f}")
print(f"final loss {loss.item():.4f}")
