# expect: TVL011
# style: diffusion model (DDPM on small images), utils helper checking gradients, research script
# bug: training_step() only calls optimizer.step() when grads_are_finite(model) is True, and a skipped update is neither counted nor logged anywhere
import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def grads_are_finite(model):
    for p in model.parameters():
        if p.grad is not None and not torch.isfinite(p.grad).all():
            return False
    return True


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.sin(args), torch.cos(args)], dim=-1)


class ResBlock(nn.Module):
    def __init__(self, c, tdim):
        super().__init__()
        self.n1, self.n2 = nn.GroupNorm(8, c), nn.GroupNorm(8, c)
        self.c1, self.c2 = nn.Conv2d(c, c, 3, padding=1), nn.Conv2d(c, c, 3, padding=1)
        self.t = nn.Linear(tdim, c)

    def forward(self, x, temb):
        h = self.c1(F.silu(self.n1(x))) + self.t(temb)[:, :, None, None]
        return x + self.c2(F.silu(self.n2(h)))


class TinyUNet(nn.Module):
    def __init__(self, c=64, tdim=128):
        super().__init__()
        self.tdim = tdim
        self.inp = nn.Conv2d(3, c, 3, padding=1)
        self.down = nn.Conv2d(c, c, 4, 2, 1)
        self.mid = nn.ModuleList([ResBlock(c, tdim) for _ in range(4)])
        self.up = nn.ConvTranspose2d(c, c, 4, 2, 1)
        self.out = nn.Conv2d(2 * c, 3, 3, padding=1)

    def forward(self, x, t):
        temb = timestep_embedding(t, self.tdim)
        h0 = self.inp(x)
        h = self.down(h0)
        for blk in self.mid:
            h = blk(h, temb)
        return self.out(torch.cat([self.up(h), h0], 1))


class Diffusion:
    def __init__(self, T=1000):
        self.T = T
        betas = torch.linspace(1e-4, 0.02, T)
        self.abar = torch.cumprod(1 - betas, 0)

    def q_sample(self, x0, t, noise):
        a = self.abar[t].sqrt()[:, None, None, None]
        s = (1 - self.abar[t]).sqrt()[:, None, None, None]
        return a * x0 + s * noise


def training_step(model, diffusion, opt, x0, clip):
    t = torch.randint(0, diffusion.T, (x0.size(0),))
    noise = torch.randn_like(x0)
    pred = model(diffusion.q_sample(x0, t, noise), t)
    loss = F.mse_loss(pred, noise)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    if grads_are_finite(model):
        opt.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--ckpt-dir", default="ckpt_ddpm")
    args = ap.parse_args()
    os.makedirs(args.ckpt_dir, exist_ok=True)

    images = torch.rand(4000, 3, 32, 32) * 2 - 1
    loader = DataLoader(TensorDataset(images), batch_size=64, shuffle=True, drop_last=True)
    model = TinyUNet()
    diffusion = Diffusion()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        model.train()
        losses = [training_step(model, diffusion, opt, x0, args.clip) for (x0,) in loader]
        print(f"epoch {epoch} loss {sum(losses) / len(losses):.4f}")
        if epoch % 10 == 9:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch},
                       os.path.join(args.ckpt_dir, f"ddpm_{epoch:03d}.pt"))


if __name__ == "__main__":
    main()
