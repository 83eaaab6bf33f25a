# zoo: expect=grads-not-cleared
# zoo: source=https://github.com/Hsintien-Ng/idinvert_pytorch-reproduced/issues/1 (optimizer_D.zero_grad() missing before backward)
"""Fault: an adversarial loop with two optimizers in which only the generator's clears its
gradients. The discriminator's gradients pile up over every iteration, and also collect the
generator loss's gradients that flow through it, so each discriminator step applies the sum of
all past gradients (grads-not-cleared, on the discriminator's optimizer only). --fixed:
opt_d.zero_grad() before the discriminator's backward."""

import argparse
import math

import torch
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

generator = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 2))
discriminator = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1))
opt_g = torch.optim.Adam(generator.parameters(), lr=5e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(discriminator.parameters(), lr=5e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
g = torch.Generator().manual_seed(0)
angles = torch.arange(8) * 2 * math.pi / 8
centers = 2 * torch.stack([torch.cos(angles), torch.sin(angles)], 1)
ones, zeros = torch.ones(64, 1), torch.zeros(64, 1)
for _ in range(200):
    real = centers[torch.randint(0, 8, (64,), generator=g)] + 0.1 * torch.randn(64, 2, generator=g)
    fake = generator(torch.randn(64, 8, generator=g))
    if args.fixed:
        opt_d.zero_grad()  # the bug: this line is missing
    loss_d = bce(discriminator(real), ones) + bce(discriminator(fake.detach()), zeros)
    loss_d.backward()
    opt_d.step()
    opt_g.zero_grad()
    loss_g = bce(discriminator(fake), ones)
    loss_g.backward()
    opt_g.step()
print(f"loss_d {loss_d.item():.3f}, loss_g {loss_g.item():.3f}")
