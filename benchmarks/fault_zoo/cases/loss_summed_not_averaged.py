# zoo: expect=exploding-gradient
# zoo: source=common mistake (reduction='sum' with a mean-tuned lr)
"""Fault: a convolutional denoiser trained with F.mse_loss(..., reduction="sum") over a batch
of 32 images of 16x16 pixels, with an SGD learning rate tuned for the mean. The gradient is 8192
times the averaged one: the first steps throw the weights far away, the gradient norm explodes
and the loss goes to inf/NaN (exploding-gradient). --fixed: reduction="mean"."""

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
yy, xx = torch.meshgrid(torch.linspace(-1, 1, 16), torch.linspace(-1, 1, 16), indexing="ij")
freq = 1 + 3 * torch.rand(512, 2, 1, 1, generator=g)
clean = torch.sin(freq[:, :1] * 3 * xx + freq[:, 1:] * 2 * yy)  # (512, 1, 16, 16)
noisy = clean + 0.3 * torch.randn(clean.shape, generator=g)

model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1),
                      nn.ReLU(), nn.Conv2d(16, 1, 3, padding=1))
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
reduction = "mean" if args.fixed else "sum"  # the bug: summed over 8192 pixels
for _ in range(100):
    i = torch.randint(0, len(clean), (32,), generator=g)
    optimizer.zero_grad()
    loss = F.mse_loss(model(noisy[i]), clean[i], reduction=reduction)
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4g}")
