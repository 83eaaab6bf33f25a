# expect: TVL011
# style: research script training a diffusion-style denoiser (DDPM epsilon prediction) with argparse
# bug: when the gradient norm is non-finite the loop silently `continue`s past optimizer.step() with no counter or log, so skipped updates are invisible.
import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


class Denoiser(nn.Module):
    def __init__(self, ch=64, tdim=128):
        super().__init__()
        self.tdim = tdim
        self.t_mlp = nn.Sequential(nn.Linear(tdim, ch), nn.SiLU(), nn.Linear(ch, ch))
        self.inp = nn.Conv2d(1, ch, 3, padding=1)
        self.mid = nn.Sequential(nn.GroupNorm(8, ch), nn.SiLU(), nn.Conv2d(ch, ch, 3, padding=1),
                                 nn.GroupNorm(8, ch), nn.SiLU(), nn.Conv2d(ch, ch, 3, padding=1))
        self.out = nn.Conv2d(ch, 1, 3, padding=1)

    def forward(self, x, t):
        h = self.inp(x) + self.t_mlp(timestep_embedding(t, self.tdim))[:, :, None, None]
        return self.out(h + self.mid(h))


def make_schedule(T, device):
    betas = torch.linspace(1e-4, 0.02, T, device=device)
    return torch.cumprod(1 - betas, dim=0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--T", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--max-grad-norm", type=float, default=1.0)
    ap.add_argument("--outdir", default="ddpm_out")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(args.outdir, exist_ok=True)

    data = TensorDataset(torch.rand(10000, 1, 28, 28) * 2 - 1)
    loader = DataLoader(data, batch_size=128, shuffle=True, drop_last=True, num_workers=2)
    model = Denoiser().to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    alphas_bar = make_schedule(args.T, device)
    step = 0

    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for (x0,) in loader:
            x0 = x0.to(device)
            t = torch.randint(0, args.T, (x0.size(0),), device=device)
            noise = torch.randn_like(x0)
            ab = alphas_bar[t][:, None, None, None]
            xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
            loss = F.mse_loss(model(xt, t), noise)

            opt.zero_grad(set_to_none=True)
            loss.backward()
            gnorm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
            if not torch.isfinite(gnorm):
                continue
            opt.step()
            step += 1
            running += loss.item()
        print(f"epoch {epoch} step {step} loss {running / len(loader):.4f}")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step},
                   os.path.join(args.outdir, "last.pt"))


if __name__ == "__main__":
    main()
