# zoo: expect=vanishing-gradient
# zoo: source=Glorot & Bengio, AISTATS 2010 (deep sigmoid networks)
"""Fault: a 12-layer MLP with sigmoid activations and default init, no normalisation or
residual connections. Each sigmoid multiplies the backward signal by at most 0.25, so the first
layers get gradients many orders of magnitude below the last layer's and do not learn
(vanishing-gradient). --fixed: ReLU activations with Kaiming init."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

layers: list[nn.Module] = []
width = 32
for i in range(12):
    linear = nn.Linear(16 if i == 0 else width, width)
    if args.fixed:
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        nn.init.zeros_(linear.bias)
    layers += [linear, nn.ReLU() if args.fixed else nn.Sigmoid()]  # the bug: sigmoid stack
model = nn.Sequential(*layers, nn.Linear(width, 1))

g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 16, generator=g)
y = torch.sin(x[:, :1]) + 0.5 * x[:, 1:2]
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(150):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
