"""Two ranks that do not train in lockstep: no DistributedDataParallel (each rank trains its own
copy), and rank 1 stops after 3 iterations while rank 0 goes on to 12. Plain PyTorch."""

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
dist.init_process_group("gloo")
rank = dist.get_rank()
torch.manual_seed(0)
model = nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
gen = torch.Generator().manual_seed(rank)
for step in range(12 if rank == 0 else 3):
    x = torch.randn(8, 4, generator=gen)
    loss = F.mse_loss(model(x), x[:, :1])
    opt.zero_grad()
    loss.backward()
    opt.step()
dist.destroy_process_group()
