# zoo: expect=scheduler-step-mismatch
# zoo: source=https://github.com/huggingface/accelerate/issues/963
"""Fault: gradient accumulation over 4 micro-batches, with the optimizer stepped every 4th
micro-batch but the LR scheduler stepped on every one. The warm-up and cosine decay, sized in
optimizer steps, run 4x too fast: warm-up is over after a quarter of its length and the LR hits
its floor a quarter of the way into training (scheduler-step-mismatch). --fixed: step the
scheduler together with the optimizer."""

import argparse
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(2048, 16, generator=g)
y = torch.sin(2 * x[:, :1]) + x[:, 1:2] * x[:, 2:3] + 0.1 * torch.randn(2048, 1, generator=g)
loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True,
                    generator=torch.Generator().manual_seed(0))

accum, epochs = 4, 2
optimizer_steps = epochs * len(loader) // accum
warmup = optimizer_steps // 10


def schedule(step: int) -> float:
    """Linear warm-up, then cosine decay to 1% over the run's optimizer steps."""
    if step < warmup:
        return (step + 1) / warmup
    progress = min(1.0, (step - warmup) / (optimizer_steps - warmup))
    return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress))


model = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
for epoch in range(epochs):
    for i, (xb, yb) in enumerate(loader):
        loss = F.mse_loss(model(xb), yb) / accum
        loss.backward()
        if (i + 1) % accum == 0:
            optimizer.step()
            optimizer.zero_grad()
            if args.fixed:
                scheduler.step()
        if not args.fixed:
            scheduler.step()  # the bug: stepped at every micro-batch
    print(f"epoch {epoch + 1}: loss {loss.item() * accum:.4f}, lr {scheduler.get_last_lr()[0]:.2e}")
