# zoo: expect=grads-not-cleared
# zoo: source=common mistake (zero_grad() once per epoch, not per batch)
"""Fault: optimizer.zero_grad() sits in the epoch loop instead of the batch loop, so within an
epoch every step applies the sum of all gradients since the epoch began: the effective step
grows batch after batch until training diverges (grads-not-cleared). --fixed: zero_grad() once
per batch."""

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
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
                    generator=torch.Generator().manual_seed(0))

model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
for epoch in range(4):
    optimizer.zero_grad()  # the bug: once per epoch
    for xb, yb in loader:
        if args.fixed:
            optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch + 1}: loss {loss.item():.4f}")
