# zoo: expect=skipped-steps
# zoo: source=https://github.com/tientrandinh/Revisiting-Reverse-Distillation/issues/12
"""Fault: gradient accumulation over 4 micro-batches, but zero_grad() still sits at the top of
every micro-batch, before backward(). Three of every four backward passes are thrown away by
the next zero_grad() before any step uses them: the "accumulated" step sees only the last
micro-batch, a quarter of the intended batch, and three quarters of the backward compute is
wasted (skipped-steps: gradients thrown away with no optimizer step in between). --fixed:
zero_grad() right after each optimizer.step()."""

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
x = torch.randn(1024, 8, generator=g)
y = x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.5 * torch.sin(3 * x[:, 2:3])
loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True,
                    generator=torch.Generator().manual_seed(0))

model = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
accum_steps = 4
for epoch in range(3):
    for i, (xb, yb) in enumerate(loader):
        if not args.fixed:
            optimizer.zero_grad()  # the bug: clears the micro-batches accumulated so far
        loss = F.mse_loss(model(xb), yb) / accum_steps
        loss.backward()
        if (i + 1) % accum_steps == 0:
            optimizer.step()
            if args.fixed:
                optimizer.zero_grad()
    print(f"epoch {epoch + 1}: loss {loss.item() * accum_steps:.4f}")
