# expect: TVL011
# style: diffusion (DDPM) training script on small images, inline loop
# bug: when clip_grad_norm_ returns a non-finite norm the optimizer step is silently skipped, with no counter or log of how often it happens.
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
    args = t.float()[:, None] * freqs[None]
    return torch.cat([args.sin(), args.cos()], -1)


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
        self.temb = nn.Sequential(nn.Linear(tdim, tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        self.inp = nn.Conv2d(3, c, 3, padding=1)
        self.down = nn.Conv2d(c, c, 4, 2, 1)
        self.mid = nn.ModuleList([ResBlock(c, tdim) for _ in range(3)])
        self.up = nn.ConvTranspose2d(c, c, 4, 2, 1)
        self.out = nn.Conv2d(2 * c, 3, 3, padding=1)

    def forward(self, x, t):
        temb = self.temb(timestep_embedding(t, self.tdim))
        h0 = self.inp(x)
        h = self.down(h0)
        for blk in self.mid:
            h = blk(h, temb)
        return self.out(torch.cat([self.up(h), h0], 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--T", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--max-grad-norm", type=float, default=1.0)
    ap.add_argument("--out", default="ddpm_ckpt")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(args.out, exist_ok=True)

    betas = torch.linspace(1e-4, 0.02, args.T, device=device)
    alphas_bar = torch.cumprod(1.0 - betas, 0)

    data = torch.rand(4000, 3, 32, 32) * 2 - 1
    loader = DataLoader(TensorDataset(data), batch_size=64, shuffle=True, drop_last=True)
    model = TinyUNet().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    ema = {k: v.detach().clone() for k, v in model.state_dict().items()}

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
            grad_norm = nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
            if torch.isfinite(grad_norm):
                opt.step()
                with torch.no_grad():
                    for k, v in model.state_dict().items():
                        if v.dtype.is_floating_point:
                            ema[k].mul_(0.999).add_(v, alpha=0.001)
            running += loss.item()
            step += 1
        print(f"epoch {epoch} step {step} loss {running / len(loader):.4f}")
        torch.save({"model": model.state_dict(), "ema": ema, "step": step}, os.path.join(args.out, "last.pt"))


if __name__ == "__main__":
    main()
