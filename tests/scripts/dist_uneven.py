"""Two ranks that do not train in lockstep: no DistributedDataParallel (each rank trains its own
copy), and rank 1 stops after 3 iterations while rank 0 goes on to 12. With --late-init the
model and optimizer are made before init_process_group. Plain PyTorch."""

import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
late = "--late-init" in sys.argv
if not late:
    dist.init_process_group("gloo")
torch.manual_seed(0)
model = nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
if late:
    dist.init_process_group("gloo")
rank = dist.get_rank()
gen = torch.Generator().manual_seed(rank)
for _step in range(12 if rank == 0 else 3):
    x = torch.randn(8, 4, generator=gen)
    loss = F.mse_loss(model(x), x[:, :1])
    opt.zero_grad()
    loss.backward()
    opt.step()
dist.destroy_process_group()
