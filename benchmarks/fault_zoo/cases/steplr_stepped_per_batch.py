# zoo: expect=lr-too-small,parameters-not-moving
# zoo: source=common mistake (epoch StepLR stepped every batch)
"""Fault: StepLR(step_size=2, gamma=0.1) is meant to divide the lr by 10 every 2 epochs, but
scheduler.step() is called inside the batch loop: the lr is divided by 10 every 2 batches, is
below 1e-12 after a couple of dozen batches, and the rest of the run trains at an lr that moves
nothing (lr-too-small; once the updates underflow, parameters-not-moving).
--fixed: scheduler.step() once per epoch."""

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

model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
for epoch in range(6):
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
        if not args.fixed:
            scheduler.step()  # the bug: an epoch scheduler stepped per batch
    if args.fixed:
        scheduler.step()
    print(f"epoch {epoch + 1}: loss {loss.item():.4f}, lr {scheduler.get_last_lr()[0]:.1e}")
