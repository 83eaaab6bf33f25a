"""Behaviour: a plain DDP training script for torchrun (gloo, CPU, synthetic data): a
DistributedSampler with set_epoch every epoch, a few epochs of a healthy regression. Knows
nothing of torchvitals; rank 0 prints one line per epoch. ddp_watch.py reuses its parts."""

import argparse
import os

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


def build(lr: float):
    """The data (each rank its share, through a DistributedSampler), the DDP model, Adam."""
    torch.manual_seed(0)  # the same initial weights on every rank (DDP broadcasts rank 0's anyway)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(512, 8, generator=g)
    y = x[:, :1] * 2 - x[:, 1:2] + 0.1 * torch.randn(512, 1, generator=g)
    data = TensorDataset(x, y)
    sampler = DistributedSampler(data, shuffle=True, seed=0)
    loader = DataLoader(data, batch_size=32, sampler=sampler)
    model = DDP(nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1)))
    return sampler, loader, model, torch.optim.Adam(model.parameters(), lr=lr)


def train_epoch(loader, model, optimizer) -> float:
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


def main() -> None:
    parser = argparse.ArgumentParser(description="a plain DDP training script")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-2)
    # Options many training scripts have whose names torchrun has too (exactly, or by prefix):
    # they must reach the script.
    parser.add_argument("--log_dir", default=None)
    parser.add_argument("--dup", action="store_true")
    args = parser.parse_args()
    if args.log_dir is not None and dist.is_torchelastic_launched() and int(os.environ["RANK"]) == 0:
        print(f"script options: log_dir={args.log_dir} dup={args.dup}", flush=True)
    dist.init_process_group("gloo")
    sampler, loader, model, optimizer = build(args.lr)
    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
        loss = train_epoch(loader, model, optimizer)
        if dist.get_rank() == 0:
            print(f"epoch {epoch}: loss={loss:.4f} (rank 0 of {dist.get_world_size()})", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
