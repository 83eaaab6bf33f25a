# expect: TVL002
# A WGAN-style script: `draw` returns generator samples already detached (meant for the critic),
# and the same samples are handed to the generator's update, so the generator gets no gradient.
import torch
import torch.nn as nn


def draw(gen, n):
    noise = torch.randn(n, 16)
    return gen(noise).detach()


def critic_update(crit, opt_c, real, fake):
    opt_c.zero_grad()
    gap = crit(fake).mean() - crit(real).mean()
    gap.backward()
    opt_c.step()


def gen_update(crit, opt_g, fake):
    opt_g.zero_grad()
    adv = -crit(fake).mean()
    adv.backward()
    opt_g.step()


gen = nn.Sequential(nn.Linear(16, 64), nn.ReLU(), nn.Linear(64, 2))
crit = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 1))
opt_g = torch.optim.RMSprop(gen.parameters(), lr=5e-5)
opt_c = torch.optim.RMSprop(crit.parameters(), lr=5e-5)
for it in range(1000):
    real = torch.randn(64, 2) * 0.5 + 1.0
    fake = draw(gen, 64)
    critic_update(crit, opt_c, real, fake)
    gen_update(crit, opt_g, fake)
