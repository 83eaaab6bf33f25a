# zoo: expect=vanishing-gradient
# zoo: nproc=2
# zoo: single=deep_sigmoid_vanishing
# zoo: source=Glorot & Bengio, AISTATS 2010 (deep sigmoid networks), under DDP
"""Fault (DDP, 2 ranks; deep_sigmoid_vanishing.py as a data-parallel job): a 12-layer sigmoid
MLP with default init. Averaging the gradients over the ranks does not bring them back: the
first layers' gradients stay orders of magnitude below the last layer's (vanishing-gradient).
--fixed: ReLU activations with Kaiming init."""

import argparse

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)

layers: list[nn.Module] = []
width = 32
for i in range(12):
    linear = nn.Linear(16 if i == 0 else width, width)
    if args.fixed:
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        nn.init.zeros_(linear.bias)
    layers += [linear, nn.ReLU() if args.fixed else nn.Sigmoid()]  # the bug: sigmoid stack
model = DDP(nn.Sequential(*layers, nn.Linear(width, 1)))

g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 16, generator=g)
y = torch.sin(x[:, :1]) + 0.5 * x[:, 1:2]
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(150):
    i = torch.randint(0, len(x), (64,), generator=g).chunk(world)[rank]  # the one-process batch, split
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
if rank == 0:
    print(f"final loss {loss.item():.4f}")
dist.destroy_process_group()
