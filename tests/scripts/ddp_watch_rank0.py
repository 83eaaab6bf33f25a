"""A DDP script that calls torchvitals.watch() on rank 0 only, as logging is often guarded
(`if rank == 0:`); the other ranks train unwatched."""

import contextlib

import torch
import torch.distributed as dist
from ddp_train import build, train_epoch

import torchvitals


def main(epochs: int = 3) -> None:
    dist.init_process_group("gloo")
    sampler, loader, model, optimizer = build(lr=1e-2)
    watching = torchvitals.watch(model, optimizer) if dist.get_rank() == 0 else contextlib.nullcontext()
    with watching:
        for epoch in range(epochs):
            sampler.set_epoch(epoch)
            train_epoch(loader, model, optimizer)
    dist.destroy_process_group()


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
