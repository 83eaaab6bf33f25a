# zoo: expect=duplicate-data-across-ranks
# zoo: nproc=2
# zoo: source=common mistake (DataLoader without a DistributedSampler under DDP)
"""Fault (DDP, 2 ranks): the DataLoader was written for one process: shuffle=True with a seeded
generator and no DistributedSampler. Every rank reads the same batches in the same order, so two
processes do the work of one: the averaged gradient is one rank's gradient, and an epoch covers
half the data it seems to (duplicate-data-across-ranks). --fixed: a DistributedSampler, with
set_epoch() every epoch."""

import argparse

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
parser.add_argument("--epochs", type=int, default=4)
args = parser.parse_args()
dist.init_process_group("gloo")
rank = dist.get_rank()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])
data = TensorDataset(x, y)
if args.fixed:
    sampler = DistributedSampler(data, shuffle=True, seed=0)
    train_loader = DataLoader(data, batch_size=16, sampler=sampler)
else:  # the bug: the single-process loader, same seed on every rank
    sampler = None
    train_loader = DataLoader(data, batch_size=16, shuffle=True, generator=torch.Generator().manual_seed(0))

model = DDP(nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1)))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(args.epochs):
    if sampler is not None:
        sampler.set_epoch(epoch)
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
    if rank == 0:
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}")
dist.destroy_process_group()
