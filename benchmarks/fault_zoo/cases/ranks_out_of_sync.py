# zoo: expect=ranks-out-of-sync
# zoo: nproc=2
# zoo: source=common mistake (checkpoint loaded on rank 0 only, after DDP wrapping)
"""Fault (DDP, 2 ranks): a fine-tuning job wraps the model in DistributedDataParallel and then
loads the pretrained weights on rank 0 only. DDP copied rank 0's random initialisation to every
rank when it wrapped the model and from then on only averages gradients: rank 1 fine-tunes its
random weights while rank 0 fine-tunes the checkpoint, with the same averaged gradient
(ranks-out-of-sync). --fixed: every rank loads the checkpoint, before wrapping."""

import argparse
import io

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


def make_net() -> nn.Module:
    return nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1))


# The "pretrained checkpoint": the same bytes on every rank (as a file on shared storage would be).
torch.manual_seed(123)
buf = io.BytesIO()
torch.save(make_net().state_dict(), buf)

g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])
data = TensorDataset(x, y)
sampler = DistributedSampler(data, shuffle=True, seed=0)
train_loader = DataLoader(data, batch_size=16, sampler=sampler)

torch.manual_seed(rank)  # each rank starts from its own random init, as in a real job
model = make_net()
if args.fixed:
    buf.seek(0)
    model.load_state_dict(torch.load(buf))  # every rank, before DDP wraps the model
ddp = DDP(model)
if not args.fixed and rank == 0:  # the bug: rank 0 only, after wrapping
    buf.seek(0)
    ddp.module.load_state_dict(torch.load(buf))
optimizer = torch.optim.Adam(ddp.parameters(), lr=1e-3)
for epoch in range(args.epochs):
    sampler.set_epoch(epoch)
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.mse_loss(ddp(xb), yb)
        loss.backward()
        optimizer.step()
    if rank == 0:
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}")
dist.destroy_process_group()
