# expect: clean
# The targets are given a trailing dimension to match the (B, 1) critic output.
import numpy as np
import torch
from torch import nn


def simulate(gen, count):
    states = gen.uniform(-2.0, 2.0, (count, 12))
    weights = gen.standard_normal(12)
    returns = states @ weights + gen.normal(0.0, 0.05, count)
    return torch.from_numpy(states).float(), torch.from_numpy(returns).float()


gen = np.random.default_rng(1234)
states, returns = simulate(gen, 4096)
critic = nn.Sequential(nn.Linear(12, 64), nn.SiLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(critic.parameters(), lr=3e-4)
for it in range(2000):
    idx = torch.randint(0, 4096, (256,))
    loss = nn.functional.mse_loss(critic(states[idx]), returns[idx].unsqueeze(1))
    opt.zero_grad()
    loss.backward()
    opt.step()
