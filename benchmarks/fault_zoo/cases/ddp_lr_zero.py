# zoo: expect=parameters-not-moving
# zoo: nproc=2
# zoo: single=lr_zero
# zoo: source=common mistake (lr=0 from a config typo), under DDP
"""Fault (DDP, 2 ranks; lr_zero.py as a data-parallel job): SGD with lr=0. DDP averages the
gradients on every step and nothing moves (parameters-not-moving). --fixed: lr=0.05."""

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

g = torch.Generator().manual_seed(0)
x = torch.randn(512, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])

model = DDP(nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1)))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05 if args.fixed else 0.0, momentum=0.9)
for _ in range(250):
    i = torch.randint(0, len(x), (32,), generator=g).chunk(world)[rank]  # the one-process batch, split
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
if rank == 0:
    print(f"final loss {loss.item():.4f}")
dist.destroy_process_group()
