# expect: TVL011
# style: plain script, normalizing-flow density estimation on 2-D toy data
# bug: batches whose clipped gradient norm is non-finite are skipped with `continue` before optimizer.step(), with no counter or log of how many updates were dropped.
import math

import torch
import torch.nn as nn

torch.manual_seed(0)


def two_moons(n):
    t = torch.rand(n) * math.pi
    a = torch.stack([torch.cos(t), torch.sin(t)], 1)
    b = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], 1)
    x = torch.cat([a, b])[torch.randperm(2 * n)]
    return x + 0.05 * torch.randn_like(x)


class Coupling(nn.Module):
    def __init__(self, mask, hidden=128):
        super().__init__()
        self.register_buffer("mask", mask)
        self.net = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 4))

    def forward(self, x):
        xm = x * self.mask
        s, t = self.net(xm).chunk(2, dim=1)
        s = torch.tanh(s) * (1 - self.mask)
        t = t * (1 - self.mask)
        y = xm + (1 - self.mask) * (x * torch.exp(s) + t)
        return y, s.sum(1)


class RealNVP(nn.Module):
    def __init__(self, n_layers=6):
        super().__init__()
        masks = [torch.tensor([1.0, 0.0]) if i % 2 == 0 else torch.tensor([0.0, 1.0]) for i in range(n_layers)]
        self.layers = nn.ModuleList([Coupling(m) for m in masks])

    def log_prob(self, x):
        logdet = torch.zeros(x.size(0))
        for layer in self.layers:
            x, ld = layer(x)
            logdet = logdet + ld
        base = -0.5 * (x ** 2).sum(1) - math.log(2 * math.pi)
        return base + logdet


flow = RealNVP()
opt = torch.optim.Adam(flow.parameters(), lr=1e-3)
data = two_moons(20000)
batch_size = 256
steps = 5000

flow.train()
for step in range(steps):
    idx = torch.randint(0, data.size(0), (batch_size,))
    x = data[idx]
    loss = -flow.log_prob(x).mean()
    opt.zero_grad()
    loss.backward()
    gnorm = torch.nn.utils.clip_grad_norm_(flow.parameters(), max_norm=100.0)
    if not torch.isfinite(gnorm):
        continue
    opt.step()
    if step % 500 == 0:
        print(f"step {step:5d} nll {loss.item():.4f} grad_norm {gnorm.item():.2f}")

flow.eval()
with torch.no_grad():
    print("held-out nll", -flow.log_prob(two_moons(2000)).mean().item())
