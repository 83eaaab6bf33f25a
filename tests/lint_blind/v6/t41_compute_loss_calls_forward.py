# expect: TVL013
# style: research repo with losses.py-style helper, DDPM-style diffusion denoiser on 2-D points
# bug: diffusion_loss() calls model.forward(x_t, t) instead of model(x_t, t), so any forward hooks / pre-hooks registered on the model are silently skipped.
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=-1)


class Denoiser(nn.Module):
    def __init__(self, data_dim=2, hidden=256, t_dim=64):
        super().__init__()
        self.t_dim = t_dim
        self.t_mlp = nn.Sequential(nn.Linear(t_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.inp = nn.Linear(data_dim, hidden)
        self.blocks = nn.ModuleList([nn.Sequential(nn.SiLU(), nn.Linear(hidden, hidden)) for _ in range(3)])
        self.out = nn.Linear(hidden, data_dim)

    def forward(self, x, t):
        h = self.inp(x) + self.t_mlp(timestep_embedding(t, self.t_dim))
        for blk in self.blocks:
            h = h + blk(h)
        return self.out(h)


def make_schedule(T=1000):
    betas = torch.linspace(1e-4, 0.02, T)
    alphas_bar = torch.cumprod(1 - betas, dim=0)
    return betas, alphas_bar


def diffusion_loss(model, x0, alphas_bar):
    B = x0.size(0)
    t = torch.randint(0, len(alphas_bar), (B,))
    noise = torch.randn_like(x0)
    ab = alphas_bar[t].unsqueeze(-1)
    x_t = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
    pred = model.forward(x_t, t)
    return F.mse_loss(pred, noise)


def spiral(n):
    theta = torch.rand(n) * 4 * math.pi
    r = theta / (4 * math.pi)
    return torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1) * 2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10000)
    ap.add_argument("--bs", type=int, default=512)
    ap.add_argument("--lr", type=float, default=2e-4)
    args = ap.parse_args()

    model = Denoiser()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    _, alphas_bar = make_schedule()
    data = spiral(50000)
    model.train()
    for step in range(args.steps):
        x0 = data[torch.randint(0, len(data), (args.bs,))]
        loss = diffusion_loss(model, x0, alphas_bar)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 1000 == 0:
            print(f"step {step} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
