# zoo: expect=skipped-steps
# zoo: nproc=2
# zoo: single=strict_step_gate
# zoo: source=a field report (gate needs backbone AND head gradients > 0), under DDP
"""Fault (DDP, 2 ranks; strict_step_gate.py as a data-parallel job): a step gate requiring a
non-zero gradient on both the backbone and one of two heads that take turns. The gate reads
the gradients after DDP averaged them, so every rank skips the same half of the steps
(skipped-steps), in step with each other. --fixed: step unless the total norm is non-finite
or zero."""

import argparse
import math

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel as DDP

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
dist.init_process_group("gloo")
rank, world = dist.get_rank(), dist.get_world_size()
torch.manual_seed(0)


class GatedNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(8, 32), nn.ReLU())
        self.heads = nn.ModuleList([nn.Linear(32, 1), nn.Linear(32, 1)])

    def forward(self, x: torch.Tensor, k: int) -> torch.Tensor:
        return self.heads[k](self.backbone(x))


def grad_norm(params) -> float:
    norms = [p.grad.norm(2) for p in params if p.grad is not None]
    return float(torch.norm(torch.stack(norms), 2)) if norms else 0.0


g = torch.Generator().manual_seed(0)
x = torch.randn(512, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])

net = GatedNet()
model = DDP(net, find_unused_parameters=True)  # one head is unused at every step
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
backbone = list(net.backbone.parameters())
head = list(net.heads[1].parameters())  # gets no gradient on the batches of head 0
skipped = 0
for step in range(250):
    i = torch.randint(0, len(x), (32,), generator=g).chunk(world)[rank]  # the one-process batch, split
    optimizer.zero_grad(set_to_none=True)
    loss = F.mse_loss(model(x[i], k=step % 2), y[i])  # the heads take turns, on every rank alike
    loss.backward()
    if args.fixed:
        total = grad_norm(model.parameters())
        ok = math.isfinite(total) and total > 0
    else:
        g_back, g_head = grad_norm(backbone), grad_norm(head)
        ok = math.isfinite(g_back) and math.isfinite(g_head) and g_back > 0 and g_head > 0
    if ok:
        optimizer.step()
    else:
        skipped += 1
if rank == 0:
    print(f"final loss {loss.item():.4f}, skipped {skipped}")
dist.destroy_process_group()
