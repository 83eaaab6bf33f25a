# zoo: expect=rank-divergent-steps
# zoo: nproc=2
# zoo: source=common mistake (a loss-spike gate decided from each rank's own loss)
"""Fault (DDP, 2 ranks): a gate that skips the optimizer step on loss spikes, decided from each
rank's own loss (`if loss.item() < 1.2 * running_mean: optimizer.step()`), with zero_grad()
every iteration. DDP averaged the gradients, but the decision is local: one rank steps where
the other skips, their parameters and Adam states drift apart, and nothing raises
(rank-divergent-steps; the copies then differ too: ranks-out-of-sync). --fixed: the gate reads
the loss averaged over the ranks (all_reduce), the same number on every rank."""

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
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3]) + 0.3 * torch.randn(1024, 1, generator=g)
data = TensorDataset(x, y)
sampler = DistributedSampler(data, shuffle=True, seed=0)
train_loader = DataLoader(data, batch_size=16, sampler=sampler)

model = DDP(nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1)))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
WARMUP = 10  # iterations before the gate opens, while the running mean settles
running, skipped, it = None, 0, 0
for epoch in range(args.epochs):
    sampler.set_epoch(epoch)
    for xb, yb in train_loader:
        it += 1
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        value = loss.detach().clone()
        if args.fixed:  # the same number on every rank
            dist.all_reduce(value)
            value /= world
        value = value.item()  # the bug: without --fixed, this rank's own loss
        if it <= WARMUP or value < 1.2 * running:
            optimizer.step()
        else:
            skipped += 1
        running = value if running is None else 0.9 * running + 0.1 * value
    if rank == 0:
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, skipped {skipped}")
dist.destroy_process_group()
