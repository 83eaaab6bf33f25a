# zoo: expect=unoptimized-parameters
# zoo: nproc=2
# zoo: single=optimizer_missing_params
# zoo: source=common mistake (optimizer over model.head.parameters()), under DDP
"""Fault (DDP, 2 ranks; optimizer_missing_params.py as a data-parallel job): the optimizer is
built from the wrapped model's head only; DDP averages the body's gradients on every step and
nothing applies them (unoptimized-parameters). --fixed: all the model's parameters."""

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


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU())
        self.head = nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


g = torch.Generator().manual_seed(0)
x = torch.randn(512, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])

model = DDP(Net())
params = model.parameters() if args.fixed else model.module.head.parameters()  # the bug: head only
optimizer = torch.optim.Adam(params, lr=1e-3)
for _ in range(250):
    i = torch.randint(0, len(x), (32,), generator=g).chunk(world)[rank]  # the one-process batch, split
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
if rank == 0:
    print(f"final loss {loss.item():.4f}")
dist.destroy_process_group()
