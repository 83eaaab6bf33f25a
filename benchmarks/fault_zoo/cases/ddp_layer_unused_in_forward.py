# zoo: expect=dead-parameters
# zoo: nproc=2
# zoo: single=layer_unused_in_forward
# zoo: source=common mistake (layer defined in __init__, skipped in forward), under DDP
"""Fault (DDP, 2 ranks; layer_unused_in_forward.py as a data-parallel job): forward() skips the
second hidden block. DDP refuses unused parameters unless find_unused_parameters=True, which
the author set to make the error go away; the block never receives a gradient on any rank
(dead-parameters). --fixed: forward() uses the block."""

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

model = DDP(Net(args.fixed), find_unused_parameters=True)
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
