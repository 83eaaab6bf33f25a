# zoo: expect=dead-parameters
# zoo: source=a field report (Qwen sub-model under torch.no_grad())
"""Fault (seed 002): a sub-model run under torch.no_grad() inside forward; its output feeds the
loss but its parameters never get a gradient (dead-parameters). --fixed: no no_grad."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)


class TwoTower(nn.Module):
    def __init__(self, cut: bool) -> None:
        super().__init__()
        self.cut = cut
        self.prompt_encoder = nn.Sequential(nn.Linear(8, 16), nn.Tanh())
        self.agent = nn.Linear(16, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.cut:
            with torch.no_grad():  # the bug: the encoder is cut out of the graph
                h = self.prompt_encoder(x)
        else:
            h = self.prompt_encoder(x)
        return self.agent(h)


g = torch.Generator().manual_seed(0)
x = torch.randn(512, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])

model = TwoTower(cut=not args.fixed)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(250):
    i = torch.randint(0, len(x), (32,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
