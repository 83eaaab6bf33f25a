"""Two DDP ranks stepping a ZeroRedundancyOptimizer (ZeRO-1: each rank's AdamW holds its shard
of the optimizer state; the wrapper steps it and broadcasts the parameters). `--fault lr-zero`
builds it with lr=0."""

from __future__ import annotations

import argparse

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.distributed.optim import ZeroRedundancyOptimizer
from torch.nn.parallel import DistributedDataParallel as DDP


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fault", default=None)
    a = ap.parse_args()
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    model = DDP(nn.Sequential(nn.Linear(16, 64), nn.GELU(), nn.Linear(64, 64), nn.GELU(), nn.Linear(64, 3)))
    lr = 0.0 if a.fault == "lr-zero" else 3e-3
    optimizer = ZeroRedundancyOptimizer(model.parameters(), optimizer_class=torch.optim.AdamW, lr=lr)
    g = torch.Generator().manual_seed(1 + dist.get_rank())
    x = torch.randn(1024, 16, generator=g)
    y = (x @ torch.randn(16, 3, generator=torch.Generator().manual_seed(0))).argmax(1)
    for it in range(60):
        i = (it * 32) % 1024
        optimizer.zero_grad()
        F.cross_entropy(model(x[i:i + 32]), y[i:i + 32]).backward()
        optimizer.step()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
