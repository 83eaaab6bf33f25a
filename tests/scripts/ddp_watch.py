"""Behaviour: a DDP script for torchrun that calls torchvitals.watch() itself (the run
directory comes from TORCHVITALS_OUT); the monitor closes before the process group goes."""

import sys

import torch
import torch.distributed as dist
from ddp_train import build, train_epoch

import torchvitals


def main(epochs: int) -> None:
    dist.init_process_group("gloo")
    sampler, loader, model, optimizer = build(lr=1e-2)
    with torchvitals.watch(model, optimizer) as monitor:
        for epoch in range(epochs):
            sampler.set_epoch(epoch)
            loss = train_epoch(loader, model, optimizer)
            monitor.epoch_end(train={"loss": loss})
    dist.destroy_process_group()


if __name__ == "__main__":
    torch.set_num_threads(1)
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
