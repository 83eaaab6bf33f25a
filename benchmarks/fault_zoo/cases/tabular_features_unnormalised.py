# zoo: expect=unscaled-inputs
# zoo: source=https://community.deeplearning.ai/t/week-2-assignment-1/294263 ("if you use the raw data, the gradients are out of control and it's very difficult to get convergence"), here with tabular columns in their own units
"""Fault: a tabular classifier is fed its columns in their own units (age in years, income in
dollars, area in square metres): the income column (~5e4) dominates the first layer's gradient,
the first steps explode and the ReLU units die.
--fixed: every column standardised with the training set's mean and std."""

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
n = 2048
z = torch.randn(n, 6, generator=g)
units = torch.tensor([12.0, 2e4, 30.0, 1.0, 5.0, 800.0])
offset = torch.tensor([45.0, 5e4, 90.0, 0.0, 3.0, 2000.0])
raw = z * units + offset  # age, income, area, a ratio, rooms, a price per m²
y = ((z[:, 0] + z[:, 1] - z[:, 2]) > 0).long()
x = (raw - raw.mean(0)) / raw.std(0) if args.fixed else raw  # the bug: raw columns
loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True)

model = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 2))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(2):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch}: loss {loss.item():.3g}")
