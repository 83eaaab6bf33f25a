# zoo: expect=parameters-not-moving
# zoo: source=common mistake (integer division in a warm-up lambda)
"""Fault: a linear warm-up written as LambdaLR(opt, lambda step: min(1, step // warmup_steps)).
Integer division makes the factor 0 for every step before warmup_steps (then jumps to 1), so the
whole warm-up, here longer than the run, trains at lr = 0: gradients flow and nothing moves
(parameters-not-moving). --fixed: step / warmup_steps."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])

warmup_steps = 500
model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
if args.fixed:
    warm = lambda step: min(1.0, (step + 1) / warmup_steps)  # noqa: E731
else:
    warm = lambda step: min(1, step // warmup_steps)  # noqa: E731  (the bug: integer division)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, warm)
for _ in range(200):
    i = torch.randint(0, len(x), (64,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
    scheduler.step()
print(f"final loss {loss.item():.4f}, lr {scheduler.get_last_lr()[0]:.2e}")
