# zoo: healthy
"""Healthy: a GAN learning a ring of eight 2-D Gaussians, generator and discriminator each with
its own Adam (betas 0.5, 0.999 as in DCGAN), the fake batch detached for the discriminator step
and not for the generator step, non-saturating generator loss."""

import math

import torch
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)

generator = nn.Sequential(nn.Linear(8, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                          nn.Linear(64, 2))
discriminator = nn.Sequential(nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64),
                              nn.LeakyReLU(0.2), nn.Linear(64, 1))
opt_g = torch.optim.Adam(generator.parameters(), lr=5e-4, betas=(0.5, 0.999))
opt_d = torch.optim.Adam(discriminator.parameters(), lr=5e-4, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
g = torch.Generator().manual_seed(0)
angles = torch.arange(8) * 2 * math.pi / 8
centers = 2 * torch.stack([torch.cos(angles), torch.sin(angles)], 1)
ones, zeros = torch.ones(64, 1), torch.zeros(64, 1)
for step in range(300):
    real = centers[torch.randint(0, 8, (64,), generator=g)] + 0.1 * torch.randn(64, 2, generator=g)
    fake = generator(torch.randn(64, 8, generator=g))
    opt_d.zero_grad()
    loss_d = bce(discriminator(real), ones) + bce(discriminator(fake.detach()), zeros)
    loss_d.backward()
    opt_d.step()
    opt_g.zero_grad()
    loss_g = bce(discriminator(fake), ones)
    loss_g.backward()
    opt_g.step()
    if step % 100 == 0:
        print(f"step {step}: loss_d {loss_d.item():.3f}, loss_g {loss_g.item():.3f}")
radius = generator(torch.randn(512, 8, generator=g)).norm(dim=1).mean().item()
print(f"mean radius of generated points {radius:.2f} (target 2.0)")
