# expect: TVL011
# style: small DDPM on 2-D toy data, inline loop with a non-finite gradient guard
# bug: when the clipped gradient norm is non-finite the optimizer step is skipped with a bare `continue`, with no counter or log, so a run that skips most steps looks identical to a healthy one
import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=20000)
parser.add_argument("--T", type=int, default=200)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--batch", type=int, default=512)
parser.add_argument("--out", default="ddpm2d")
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
torch.manual_seed(0)


def sample_moons(n):
    t = torch.rand(n) * math.pi
    upper = torch.stack([torch.cos(t), torch.sin(t)], 1)
    lower = torch.stack([1 - torch.cos(t), 0.5 - torch.sin(t)], 1)
    pick = torch.rand(n) < 0.5
    pts = torch.where(pick[:, None], upper, lower)
    return pts + 0.05 * torch.randn_like(pts)


class TimeEmbedding(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, t):
        half = self.dim // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / half)
        args_ = t.float()[:, None] * freqs[None]
        return torch.cat([args_.sin(), args_.cos()], -1)


class Denoiser(nn.Module):
    def __init__(self, hidden=256):
        super().__init__()
        self.temb = nn.Sequential(TimeEmbedding(64), nn.Linear(64, hidden), nn.SiLU())
        self.inp = nn.Linear(2, hidden)
        self.mid = nn.Sequential(nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU())
        self.out = nn.Linear(hidden, 2)

    def forward(self, x, t):
        return self.out(self.mid(self.inp(x) + self.temb(t)))


betas = torch.linspace(1e-4, 0.02, args.T)
alphas = 1 - betas
alpha_bar = torch.cumprod(alphas, 0)

model = Denoiser()
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
ema_loss = None

for step in range(1, args.steps + 1):
    model.train()
    x0 = sample_moons(args.batch)
    t = torch.randint(0, args.T, (args.batch,))
    noise = torch.randn_like(x0)
    ab = alpha_bar[t][:, None]
    xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
    loss = F.mse_loss(model(xt, t), noise)

    opt.zero_grad(set_to_none=True)
    loss.backward()
    gnorm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    if not torch.isfinite(gnorm):
        continue
    opt.step()

    ema_loss = loss.item() if ema_loss is None else 0.99 * ema_loss + 0.01 * loss.item()
    if step % 1000 == 0:
        print(f"step {step} loss(ema) {ema_loss:.4f} grad_norm {gnorm.item():.3f}")
        torch.save(model.state_dict(), os.path.join(args.out, "denoiser.pt"))


@torch.no_grad()
def sample(n=2000):
    model.eval()
    x = torch.randn(n, 2)
    for i in reversed(range(args.T)):
        t = torch.full((n,), i, dtype=torch.long)
        eps = model(x, t)
        mean = (x - betas[i] / (1 - alpha_bar[i]).sqrt() * eps) / alphas[i].sqrt()
        x = mean + (betas[i].sqrt() * torch.randn_like(x) if i > 0 else 0)
    return x


samples = sample()
print("sample mean", samples.mean(0).tolist(), "std", samples.std(0).tolist())
torch.save(samples, os.path.join(args.out, "samples.pt"))
