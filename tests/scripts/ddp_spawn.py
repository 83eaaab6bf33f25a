"""A DDP script that starts its own ranks, as PyTorch's DDP tutorial does: torch.multiprocessing
spawns two processes, each joins a gloo process group (MASTER_PORT from the environment) and
trains its copy of an MLP. `--fault rank0-nudge` changes a weight on rank 0 alone at iteration
20 (the ranks then train different models); `--start fork` starts the processes with
start_processes(start_method="fork") instead of spawn()."""

from __future__ import annotations

import argparse
import os

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP


def worker(rank: int, world: int, fault: str | None) -> None:
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.manual_seed(0)
    model = DDP(nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 1)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    g = torch.Generator().manual_seed(rank)  # each rank its own data
    x = torch.randn(512, 16, generator=g)
    y = x.sum(1, keepdim=True)
    for it in range(1, 101):
        i = (it * 32) % 512
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x[i:i + 32]), y[i:i + 32]).backward()
        optimizer.step()
        if fault == "rank0-nudge" and rank == 0 and it == 20:
            with torch.no_grad():
                model.module[0].weight.add_(0.01)
    if rank == 0:
        print("trained", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--fault", default=None)
    ap.add_argument("--start", default="spawn", choices=["spawn", "fork"])
    a = ap.parse_args()
    if a.start == "spawn":
        mp.spawn(worker, args=(2, a.fault), nprocs=2)
    else:
        mp.start_processes(worker, args=(2, a.fault), nprocs=2, start_method="fork")
