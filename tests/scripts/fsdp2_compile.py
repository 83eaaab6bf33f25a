"""Two ranks of an FSDP2 model that the script compiles after sharding it (fully_shard per
block, then the root, then torch.compile: how LLM training scripts combine them), AdamW,
zero_grad(set_to_none) every iteration. `--fault no-backward`: from iteration 4 on the loss is
computed but backward is never called (it sits under a condition meant for logging steps), so
the optimizer steps with no gradient. `--backend` is torch.compile's (default aot_eager: what
torchvitals could disturb is dynamo's tracing, not the code generator)."""

from __future__ import annotations

import argparse

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.distributed.fsdp import fully_shard


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.blocks = nn.ModuleList([nn.Sequential(nn.Linear(16 if i == 0 else 32, 32), nn.GELU()) for i in range(2)])
        self.head = nn.Linear(32, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for b in self.blocks:
            x = b(x)
        return self.head(x)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fault", default=None)
    ap.add_argument("--backend", default="aot_eager")
    a = ap.parse_args()
    dist.init_process_group("gloo")
    torch.manual_seed(0)
    model = Net()
    for b in model.blocks:
        fully_shard(b)
    fully_shard(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    compiled = torch.compile(model, backend=a.backend)
    g = torch.Generator().manual_seed(1 + dist.get_rank())
    x = torch.randn(256, 16, generator=g)
    y = x[:, :4].sum(1, keepdim=True)
    for it in range(1, 61):
        i = (it * 32) % 256
        optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(compiled(x[i:i + 32]), y[i:i + 32])
        if a.fault != "no-backward" or it <= 3:
            loss.backward()
        optimizer.step()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
