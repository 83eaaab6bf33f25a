# zoo: expect=lr-too-large
# zoo: source=common mistake (linear LR scaling without the /256)
"""Fault: the learning rate is "scaled with the batch size" as lr = base_lr * batch_size, forgetting
the division by the reference batch size (Goyal et al.'s rule is base_lr * batch_size / 256 with
base_lr tuned at 256). With batch 256 Adam runs at lr=0.256: each step rewrites most of every
weight matrix, the loss jumps around, and the model ends no better than predicting the mean
(lr-too-large).
--fixed: lr = base_lr * batch_size / 256, the batch size base_lr was tuned at."""

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
x = torch.randn(4096, 16, generator=g)
y = torch.sin(2 * x[:, :1]) + x[:, 1:2] * x[:, 2:3] + 0.1 * torch.randn(4096, 1, generator=g)

base_lr, batch_size = 1e-3, 256
lr = base_lr * batch_size / 256 if args.fixed else base_lr * batch_size  # the bug: no reference
model = nn.Sequential(nn.Linear(16, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                      nn.Linear(128, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=lr)
for _ in range(150):
    i = torch.randint(0, 3584, (batch_size,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(x[i]), y[i])
    loss.backward()
    optimizer.step()
with torch.no_grad():
    val = F.mse_loss(model(x[3584:]), y[3584:]).item()
print(f"lr {lr:g}: val MSE {val:.3f} (predicting the mean: {y[3584:].var().item():.3f})")
