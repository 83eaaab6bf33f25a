# zoo: healthy
"""Healthy: a residual MLP classifier trained with bf16 autocast and gradient accumulation over
4 micro-batches: loss divided by the accumulation count, gradients clipped once per optimizer
step, zero_grad after each optimizer step, and the warm-up/cosine scheduler stepped only when
the optimizer steps."""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
centers = 1.2 * torch.randn(8, 32, generator=g)
y = torch.randint(0, 8, (4096,), generator=g)
x = centers[y] + torch.randn(4096, 32, generator=g)
loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True,
                    generator=torch.Generator().manual_seed(0))


class Block(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.ff(self.norm(x))


model = nn.Sequential(nn.Linear(32, 64), Block(64), Block(64), nn.LayerNorm(64), nn.Linear(64, 8))
accum = 4
optimizer_steps = len(loader) // accum
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.05)


def schedule(s: int) -> float:
    """Ten warm-up steps, then cosine decay over the run's optimizer steps."""
    return min(1.0, (s + 1) / 10) * 0.5 * (1 + math.cos(math.pi * s / optimizer_steps))


scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
model.train()
for i, (xb, yb) in enumerate(loader):
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = model(xb)
    loss = F.cross_entropy(logits.float(), yb) / accum
    loss.backward()
    if (i + 1) % accum == 0:
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        scheduler.step()
    if i % 64 == 0:
        print(f"micro-batch {i}: loss {loss.item() * accum:.3f}")
print(f"final loss {loss.item() * accum:.3f}")
