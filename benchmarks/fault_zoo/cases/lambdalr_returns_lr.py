# zoo: expect=lr-too-small
# zoo: source=common mistake (LambdaLR lambda returns an lr, not a factor)
"""Fault: LambdaLR multiplies the optimizer's base lr by what the lambda returns, but the lambda
was written to return the learning rate itself (warm-up then cosine to peak_lr). The effective
lr is peak_lr × peak_lr = 1e-8: after the short warm-up every update is ~1e-7 of the weights and
the model barely moves (lr-too-small). --fixed: the lambda returns the schedule divided by
peak_lr, a factor in [0, 1]."""

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

peak_lr, warmup, total = 1e-4, 10, 300


def lr_at(step: int) -> float:
    if step < warmup:
        return peak_lr * (step + 1) / warmup
    return peak_lr * 0.5 * (1 + math.cos(math.pi * (step - warmup) / (total - warmup)))


g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 16, generator=g)
y = torch.tanh(x[:, :4] @ torch.randn(4, 1, generator=g)) + 0.1 * torch.randn(1024, 1, generator=g)

model = nn.Sequential(nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                      nn.Linear(128, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=peak_lr)
if args.fixed:
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: lr_at(s) / peak_lr)
else:
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_at)  # the bug: lr × lr
for _ in range(total):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
    scheduler.step()
print(f"final loss {loss.item():.4f}")
