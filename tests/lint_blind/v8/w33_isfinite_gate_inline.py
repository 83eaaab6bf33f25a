# expect: TVL011
# style: diffusion model (DDPM) training script, inline loop with a finite-gradient guard
# bug: the loop skips optimizer.step() whenever the clipped grad norm is non-finite, but the skip is silent: nothing counts or logs how many updates were dropped
import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class TinyDenoiser(nn.Module):
    def __init__(self, ch=64, tdim=128):
        super().__init__()
        self.tmlp = nn.Sequential(nn.Linear(tdim, ch * 2), nn.SiLU(), nn.Linear(ch * 2, ch))
        self.inp = nn.Conv2d(1, ch, 3, padding=1)
        self.down = nn.Conv2d(ch, ch * 2, 4, 2, 1)
        self.mid = nn.Conv2d(ch * 2, ch * 2, 3, padding=1)
        self.up = nn.ConvTranspose2d(ch * 2, ch, 4, 2, 1)
        self.out = nn.Conv2d(ch * 2, 1, 3, padding=1)
        self.tdim = tdim

    def forward(self, x, t):
        temb = self.tmlp(timestep_embedding(t, self.tdim))[:, :, None, None]
        h0 = F.silu(self.inp(x) + temb)
        h1 = F.silu(self.down(h0))
        h1 = F.silu(self.mid(h1))
        h2 = F.silu(self.up(h1))
        return self.out(torch.cat([h0, h2], dim=1))


def linear_beta_schedule(T, start=1e-4, end=2e-2):
    return torch.linspace(start, end, T)


ap = argparse.ArgumentParser()
ap.add_argument("--T", type=int, default=1000)
ap.add_argument("--epochs", type=int, default=30)
ap.add_argument("--bs", type=int, default=128)
ap.add_argument("--lr", type=float, default=2e-4)
ap.add_argument("--max-grad-norm", type=float, default=1.0)
ap.add_argument("--out", default="ddpm_out")
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)
device = "cuda" if torch.cuda.is_available() else "cpu"

betas = linear_beta_schedule(args.T).to(device)
alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)
sqrt_ac = alphas_cumprod.sqrt()
sqrt_1m_ac = (1.0 - alphas_cumprod).sqrt()

data = torch.rand(8000, 1, 28, 28) * 2 - 1
loader = DataLoader(TensorDataset(data), batch_size=args.bs, shuffle=True, drop_last=True, num_workers=2)

model = TinyDenoiser().to(device)
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.0)
ema = TinyDenoiser().to(device)
ema.load_state_dict(model.state_dict())
ema.requires_grad_(False)

global_step = 0
for epoch in range(args.epochs):
    model.train()
    running = 0.0
    for (x0,) in loader:
        x0 = x0.to(device)
        t = torch.randint(0, args.T, (x0.size(0),), device=device)
        noise = torch.randn_like(x0)
        xt = sqrt_ac[t][:, None, None, None] * x0 + sqrt_1m_ac[t][:, None, None, None] * noise
        loss = F.mse_loss(model(xt, t), noise)

        opt.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
        if torch.isfinite(grad_norm):
            opt.step()
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), model.parameters()):
                    pe.mul_(0.999).add_(pm, alpha=0.001)
        global_step += 1
        running += loss.item()
        if global_step % 200 == 0:
            print(f"step {global_step} loss {running / 200:.4f} gnorm {grad_norm.item():.3f}")
            running = 0.0
    torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "step": global_step},
               os.path.join(args.out, f"ckpt_{epoch:03d}.pt"))
