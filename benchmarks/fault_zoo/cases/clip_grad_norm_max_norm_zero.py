# zoo: expect=parameters-not-moving
# zoo: source=https://github.com/strands-labs/robots/pull/2028 (max_grad_norm=0: "0 of 34,701 parameters moved"; see also OpenNMT/OpenNMT-py#1140)
"""Fault: a config's max_grad_norm of 0 (meant as "no clipping", which is what it means in some
trainers) is passed straight to torch.nn.utils.clip_grad_norm_. With max_norm=0 every gradient
is scaled by 0 / (norm + eps) = 0: Adam steps every iteration with nothing to apply, and no
parameter ever moves while the loop looks normal (parameters-not-moving). --fixed: clip only
when max_grad_norm > 0."""

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
config = {"lr": 1e-3, "max_grad_norm": 0.0}  # 0: "no clipping"

model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
for _ in range(200):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    if config["max_grad_norm"] > 0 or not args.fixed:  # the bug: 0 is passed on as a norm
        torch.nn.utils.clip_grad_norm_(model.parameters(), config["max_grad_norm"])
    optimizer.step()
print(f"final loss {loss.item():.4f}")
