# zoo: expect=dead-parameters
# zoo: source=common mistake (layer defined in __init__, skipped in forward)
"""Fault: the model defines a second hidden block in __init__, but forward() was edited and now
goes from the first block straight to the output, skipping it. The skipped block sits in the
optimizer and never receives a gradient (dead-parameters). --fixed: forward() uses the block."""

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
        self.fixed = fixed
        self.block1 = nn.Sequential(nn.Linear(8, 64), nn.ReLU())
        self.block2 = nn.Sequential(nn.Linear(64, 64), nn.ReLU())
        self.out = nn.Linear(64, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.block1(x)
        if self.fixed:
            h = self.block2(h)  # the bug: this line went missing
        return self.out(h)


g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])

model = Net(args.fixed)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(150):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
