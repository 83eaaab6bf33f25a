# zoo: expect=skipped-steps
# zoo: source=common mistake (accumulation counter reset per epoch)
"""Fault: gradient accumulation over `accum_steps=64` micro-batches, counted with the batch index
of the epoch, on a dataset of 30 batches per epoch: (i + 1) % 64 == 0 is never true, so
optimizer.step() is never called, while backward() keeps summing gradients. The model never
changes (skipped-steps: backward passes with no step at all). --fixed: accumulate over 4
micro-batches, counted over the whole run."""

import argparse

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
x = torch.randn(960, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
                    generator=torch.Generator().manual_seed(0))

accum_steps = 4 if args.fixed else 64  # the bug: 64 micro-batches, 30 per epoch
model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
micro = 0
for epoch in range(3):
    for i, (xb, yb) in enumerate(loader):
        loss = F.mse_loss(model(xb), yb) / accum_steps
        loss.backward()
        micro = micro + 1 if args.fixed else i + 1  # the bug: counted within the epoch
        if micro % accum_steps == 0:
            optimizer.step()
            optimizer.zero_grad()
    print(f"epoch {epoch + 1}: loss {loss.item() * accum_steps:.4f}")
