# expect: clean
# A GAN whose sampler returns detached images for the critic's step only (the helper names its
# parameters its own way); the generator's step draws fresh samples with their graph.
import torch
import torch.nn as nn


def sample_for_critic(g, n):
    return g(torch.randn(n, 8)).detach()


def critic_step(c, o, real, fake):
    o.zero_grad()
    loss = nn.functional.softplus(c(fake)).mean() + nn.functional.softplus(-c(real)).mean()
    loss.backward()
    o.step()


G = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))
D = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1))
opt_G = torch.optim.Adam(G.parameters(), lr=2e-4)
opt_D = torch.optim.Adam(D.parameters(), lr=2e-4)
for it in range(500):
    real = torch.randn(32, 3)
    critic_step(D, opt_D, real, sample_for_critic(G, 32))
    opt_G.zero_grad()
    g_loss = nn.functional.softplus(-D(G(torch.randn(32, 8)))).mean()
    g_loss.backward()
    opt_G.step()
