# zoo: expect=skipped-steps,parameters-not-moving
# zoo: source=common mistake (zero_grad between backward and step)
"""Fault: the three calls of the training step are in the wrong order: backward(), then
zero_grad(), then step(). zero_grad() throws away the gradients backward() just computed, and
step() finds nothing to apply: no parameter ever moves while the loop looks normal
(skipped-steps: every gradient is thrown away unused; parameters-not-moving: no step changes
anything). --fixed: zero_grad(), backward(), step()."""

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
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])

loader = DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True,
                    generator=torch.Generator().manual_seed(0))

model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(4):
    total = 0.0
    for xb, yb in loader:
        loss = F.mse_loss(model(xb), yb)
        if args.fixed:
            optimizer.zero_grad()
            loss.backward()
        else:
            loss.backward()
            optimizer.zero_grad()  # the bug: clears the gradients step() was about to use
        optimizer.step()
        total += loss.item()
    print(f"epoch {epoch + 1}: loss {total / len(loader):.4f}")
