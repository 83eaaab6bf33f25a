# expect: TVL011
# style: diffusion model (DDPM) training script, research repo with argparse, inline loop
# bug: when clip_grad_norm_ returns a non-finite norm the loop silently `continue`s past optimizer.step(), with no counter or log of how many updates were dropped.
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class TinyUNet(nn.Module):
    def __init__(self, ch=64, tdim=128):
        super().__init__()
        self.tdim = tdim
        self.temb = nn.Sequential(nn.Linear(tdim, ch * 2), nn.SiLU(), nn.Linear(ch * 2, ch * 2))
        self.down = nn.Sequential(nn.Conv2d(1, ch, 3, 1, 1), nn.GroupNorm(8, ch), nn.SiLU(), nn.Conv2d(ch, ch * 2, 4, 2, 1))
        self.mid = nn.Sequential(nn.GroupNorm(8, ch * 2), nn.SiLU(), nn.Conv2d(ch * 2, ch * 2, 3, 1, 1))
        self.up = nn.Sequential(nn.ConvTranspose2d(ch * 2, ch, 4, 2, 1), nn.GroupNorm(8, ch), nn.SiLU(), nn.Conv2d(ch, 1, 3, 1, 1))

    def forward(self, x, t):
        h = self.down(x)
        h = h + self.temb(timestep_embedding(t, self.tdim))[:, :, None, None]
        return self.up(self.mid(h))


def linear_beta_schedule(T):
    return torch.linspace(1e-4, 0.02, T)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timesteps", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--clip", type=float, default=1.0)
    args = ap.parse_args()

    betas = linear_beta_schedule(args.timesteps)
    alphas_bar = torch.cumprod(1 - betas, dim=0)
    model = TinyUNet()
    ema = TinyUNet()
    ema.load_state_dict(model.state_dict())
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    dl = DataLoader(TensorDataset(torch.rand(4096, 1, 28, 28) * 2 - 1), batch_size=128, shuffle=True, drop_last=True)

    step = 0
    for epoch in range(args.epochs):
        model.train()
        for (x0,) in dl:
            t = torch.randint(0, args.timesteps, (x0.size(0),))
            noise = torch.randn_like(x0)
            ab = alphas_bar[t].view(-1, 1, 1, 1)
            xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
            loss = F.mse_loss(model(xt, t), noise)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
            if not torch.isfinite(gnorm):
                continue
            opt.step()
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), model.parameters()):
                    pe.mul_(0.999).add_(pm, alpha=0.001)
            step += 1
            if step % 100 == 0:
                print(f"epoch {epoch} step {step} loss {loss.item():.4f} gnorm {gnorm.item():.3f}")
        torch.save({"model": model.state_dict(), "ema": ema.state_dict()}, "ddpm.pt")


if __name__ == "__main__":
    main()
