# zoo: expect=unoptimized-parameters
# zoo: source=common mistake (copy-pasted optimizer over the wrong model)
"""Fault: a small GAN whose second optimizer was copy-pasted from the first and still reads
discriminator.parameters(). The generator's gradients are computed at every step and applied by
no optimizer, so the generator never improves, while "opt_g.step()" nudges the discriminator a
second time (unoptimized-parameters). --fixed: opt_g over generator.parameters()."""

import argparse

import torch
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

generator = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 2))
discriminator = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 1))
opt_d = torch.optim.Adam(discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
g_params = generator.parameters() if args.fixed else discriminator.parameters()  # the bug
opt_g = torch.optim.Adam(g_params, lr=1e-3, betas=(0.5, 0.999))
bce = nn.BCEWithLogitsLoss()
g = torch.Generator().manual_seed(0)
ones, zeros = torch.ones(64, 1), torch.zeros(64, 1)
for _ in range(200):
    real = torch.randn(64, 2, generator=g) * 0.3 + torch.tensor([1.0, -1.0])
    fake = generator(torch.randn(64, 4, generator=g))
    opt_d.zero_grad()
    loss_d = bce(discriminator(real), ones) + bce(discriminator(fake.detach()), zeros)
    loss_d.backward()
    opt_d.step()
    opt_g.zero_grad()
    loss_g = bce(discriminator(fake), ones)
    loss_g.backward()
    opt_g.step()
print(f"loss_d {loss_d.item():.3f} loss_g {loss_g.item():.3f}, fake mean {fake.mean(0).tolist()}")
