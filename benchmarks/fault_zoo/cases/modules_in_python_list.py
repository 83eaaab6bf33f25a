# zoo: expect=unoptimized-parameters
# zoo: source=https://discuss.pytorch.org/t/5463 (nn.ModuleList vs list)
"""Fault: sub-modules kept in a plain Python list are invisible to model.parameters(), so the
optimizer never updates them (unoptimized-parameters). --fixed: nn.ModuleList."""

import argparse

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
        self.inp = nn.Linear(8, 32)
        blocks = [nn.Sequential(nn.Linear(32, 32), nn.ReLU()) for _ in range(2)]
        self.blocks = nn.ModuleList(blocks) if fixed else blocks  # the bug: a plain list
        self.out = nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.inp(x))
        for block in self.blocks:
            h = block(h)
        return self.out(h)


g = torch.Generator().manual_seed(0)
x = torch.randn(512, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])

model = Net(args.fixed)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(250):
    i = torch.randint(0, len(x), (32,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
