"""A classifier trained for two epochs with a validation pass after each, on one process or as
two DDP ranks that each read their half of the data through a DistributedSampler. The union of
the two ranks' batches at every step is the single process's batch, so the epoch metrics of the
job (loss, accuracy, baselines, samples) must equal the single process's. Plain PyTorch: no
torchvitals import (run it under `torchvitals run`).

    python dist_epochs.py --mode single
    torchrun --nproc_per_node 2 dist_epochs.py --mode ddp
    torchrun --nproc_per_node 2 dist_epochs.py --mode sweep   # no DDP: each rank its own model
"""

import argparse

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--mode", choices=["single", "ddp", "sweep"], default="single")
parser.add_argument("--epochs", type=int, default=2)
args = parser.parse_args()

rank, world = 0, 1
if args.mode != "single":
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()

gen = torch.Generator().manual_seed(3)
x = torch.randn(96, 6, generator=gen)
y = (x[:, 0] > 0.3).long() + (x[:, 1] > 0.8).long()  # three unbalanced classes
train, val = TensorDataset(x[:64], y[:64]), TensorDataset(x[64:], y[64:])


def loader(data: TensorDataset, batch: int) -> tuple[DataLoader, DistributedSampler | None]:
    if world == 1:
        return DataLoader(data, batch_size=batch), None
    sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=False)
    return DataLoader(data, batch_size=batch // world, sampler=sampler), sampler


train_loader, train_sampler = loader(train, 16)
val_loader, _ = loader(val, 16)

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
model = nn.parallel.DistributedDataParallel(net) if args.mode == "ddp" else net  # sweep: a model per rank
opt = torch.optim.SGD(model.parameters(), lr=0.1)

for epoch in range(args.epochs):
    if train_sampler is not None:
        train_sampler.set_epoch(epoch)
    model.train()
    for xb, yb in train_loader:
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        for xb, yb in val_loader:
            F.cross_entropy(model(xb), yb)

if world > 1:
    dist.destroy_process_group()
