# expect: TVL002
# The sampler returns the generator's samples live and the caller hands them to both updates;
# the generator's update detaches them itself before the critic scores them, so the generator
# gets no gradient from its own loss.
import torch
import torch.nn as nn


def sample(gen, n):
    return gen(torch.randn(n, 8))


def critic_update(critic, opt_c, real, fake):
    opt_c.zero_grad()
    (critic(fake.detach()).mean() - critic(real).mean()).backward()
    opt_c.step()


def generator_update(critic, opt_g, fake):
    opt_g.zero_grad()
    scores = critic(fake.detach())
    (-scores.mean()).backward()
    opt_g.step()


gen = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
critic = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 1))
opt_g = torch.optim.Adam(gen.parameters(), lr=1e-4)
opt_c = torch.optim.Adam(critic.parameters(), lr=1e-4)
for it in range(500):
    real = torch.randn(32, 2) + 2.0
    fake = sample(gen, 32)
    critic_update(critic, opt_c, real, fake)
    generator_update(critic, opt_g, fake)
