# zoo: expect=nonfinite-loss
# zoo: source=common mistake (missing values left as NaN)
"""Fault: a tabular regression whose feature matrix has missing values stored as NaN (a sensor
that sometimes fails to report). Every batch that contains such a row has a NaN prediction and a
NaN loss; the first backward writes NaN into the gradients, the optimizer into the weights, and
from then on every prediction is NaN (nonfinite-loss). --fixed: impute missing values with the
column mean and add a missing-value indicator."""

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
x = torch.randn(2048, 12, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] + 0.5 * x[:, 2:3] * x[:, 3:4] + 0.1 * torch.randn(2048, 1, generator=g)
x[torch.rand(2048, generator=g) < 0.02, 5] = float("nan")  # ~2% of rows miss feature 5
if args.fixed:
    missing = torch.isnan(x[:, 5:6])
    x = torch.where(torch.isnan(x), torch.nanmean(x, dim=0), x)
    x = torch.cat([x, missing.float()], dim=1)

model = nn.Sequential(nn.Linear(x.shape[1], 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(200):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
