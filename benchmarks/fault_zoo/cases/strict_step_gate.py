# zoo: expect=skipped-steps
# zoo: source=a field report (gate needs backbone AND head gradients > 0)
"""Fault (seed 004): a step gate requiring a non-zero gradient on both the backbone and one
K-specific head. That head is unused on half the batches, so half the steps are silently
skipped (skipped-steps). --fixed: step unless the total norm is non-finite or zero."""

import argparse
import math

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
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

model = GatedNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
backbone = list(model.backbone.parameters())
head = list(model.heads[1].parameters())  # gets no gradient on the batches of head 0
skipped = 0
for step in range(250):
    i = torch.randint(0, len(x), (32,), generator=g)
    optimizer.zero_grad(set_to_none=True)
    loss = F.mse_loss(model(x[i], k=step % 2), y[i])  # the heads take turns
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
print(f"final loss {loss.item():.4f}, skipped {skipped}")
