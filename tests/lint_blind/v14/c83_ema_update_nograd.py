# expect: clean
# style: diffusion-model (DDPM-lite) training with an EMA copy updated under no_grad
# note: a model's parameters are touched inside torch.no_grad() with .data-like in-place ops every step, but that is the EMA shadow copy; the trained denoiser runs with grad enabled
import copy
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ddpm")


class EMA:
    def __init__(self, model, decay=0.999):
        self.shadow = copy.deepcopy(model).eval()
        for p in self.shadow.parameters():
            p.requires_grad_(False)
        self.decay = decay

    @torch.no_grad()
    def update(self, model):
        for s, p in zip(self.shadow.parameters(), model.parameters()):
            s.mul_(self.decay).add_(p.detach(), alpha=1 - self.decay)
        for s, b in zip(self.shadow.buffers(), model.buffers()):
            s.copy_(b)


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([args.sin(), args.cos()], -1)


class Denoiser(nn.Module):
    def __init__(self, ch=64, tdim=128):
        super().__init__()
        self.tmlp = nn.Sequential(nn.Linear(tdim, ch), nn.SiLU(), nn.Linear(ch, ch))
        self.inp = nn.Conv2d(1, ch, 3, padding=1)
        self.mid = nn.Sequential(nn.GroupNorm(8, ch), nn.SiLU(), nn.Conv2d(ch, ch, 3, padding=1),
                                 nn.GroupNorm(8, ch), nn.SiLU(), nn.Conv2d(ch, ch, 3, padding=1))
        self.out = nn.Conv2d(ch, 1, 3, padding=1)
        self.tdim = tdim

    def forward(self, x, t):
        h = self.inp(x) + self.tmlp(timestep_embedding(t, self.tdim))[:, :, None, None]
        return self.out(h + self.mid(h))


T = 400
betas = torch.linspace(1e-4, 0.02, T)
alphas_bar = torch.cumprod(1 - betas, 0)


@torch.no_grad()
def sample(model, n=16):
    x = torch.randn(n, 1, 28, 28)
    for t in reversed(range(T)):
        tt = torch.full((n,), t)
        eps = model(x, tt)
        a, ab = 1 - betas[t], alphas_bar[t]
        x = (x - betas[t] / torch.sqrt(1 - ab) * eps) / torch.sqrt(a)
        if t > 0:
            x = x + torch.sqrt(betas[t]) * torch.randn_like(x)
    return x


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    data = torch.rand(8000, 1, 28, 28) * 2 - 1
    loader = DataLoader(TensorDataset(data), batch_size=128, shuffle=True, drop_last=True)
    model = Denoiser()
    ema = EMA(model)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-4)
    for epoch in range(50):
        model.train()
        tot = 0.0
        for (x0,) in loader:
            t = torch.randint(0, T, (x0.size(0),))
            noise = torch.randn_like(x0)
            ab = alphas_bar[t][:, None, None, None]
            xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
            loss = F.mse_loss(model(xt, t), noise)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            ema.update(model)
            tot += loss.item()
        log.info("epoch %d eps-mse %.5f", epoch, tot / len(loader))
        if epoch % 10 == 9:
            torch.save(sample(ema.shadow), f"samples_ep{epoch}.pt")
