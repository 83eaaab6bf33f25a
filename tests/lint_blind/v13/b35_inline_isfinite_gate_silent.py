# expect: TVL011
# style: inline fp32 training loop for a diffusion-style denoiser (DDPM epsilon prediction) on 2-D toy data
# bug: the loop only calls opt.step() when the clipped total norm is finite, silently dropping non-finite steps with no counter or log
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

T = 200
betas = torch.linspace(1e-4, 0.02, T)
alphas_cum = torch.cumprod(1 - betas, 0)
device = "cuda" if torch.cuda.is_available() else "cpu"


def two_moons(n):
    t = torch.rand(n) * math.pi
    top = torch.stack([torch.cos(t), torch.sin(t)], 1)
    bot = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], 1)
    x = torch.cat([top, bot])
    return x + 0.05 * torch.randn_like(x)


class TimeEmbed(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, t):
        half = self.dim // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / half)
        ang = t.float()[:, None] * freqs[None]
        return torch.cat([ang.sin(), ang.cos()], -1)


class Denoiser(nn.Module):
    def __init__(self, hidden=128):
        super().__init__()
        self.temb = nn.Sequential(TimeEmbed(32), nn.Linear(32, hidden), nn.SiLU())
        self.inp = nn.Linear(2, hidden)
        self.mid = nn.Sequential(nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU())
        self.out = nn.Linear(hidden, 2)

    def forward(self, x, t):
        return self.out(self.mid(self.inp(x) + self.temb(t)))


data = two_moons(8000)
loader = DataLoader(TensorDataset(data), batch_size=256, shuffle=True, drop_last=True)
model = Denoiser().to(device)
opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
ac = alphas_cum.to(device)

for epoch in range(200):
    model.train()
    ep_loss = 0.0
    for (x0,) in loader:
        x0 = x0.to(device)
        t = torch.randint(0, T, (x0.size(0),), device=device)
        noise = torch.randn_like(x0)
        a = ac[t][:, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        loss = ((model(xt, t) - noise) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        if torch.isfinite(total_norm):
            opt.step()
        ep_loss += loss.item()
    if epoch % 20 == 0:
        print(f"epoch {epoch} loss {ep_loss / len(loader):.4f}")


@torch.no_grad()
def sample(n=1000):
    model.eval()
    x = torch.randn(n, 2, device=device)
    for i in reversed(range(T)):
        t = torch.full((n,), i, device=device)
        eps = model(x, t)
        b, a_c = betas[i].item(), ac[i]
        x = (x - b / (1 - a_c).sqrt() * eps) / math.sqrt(1 - b)
        if i > 0:
            x = x + math.sqrt(b) * torch.randn_like(x)
    return x.cpu()


torch.save({"model": model.state_dict(), "samples": sample()}, "ddpm_moons.pt")
