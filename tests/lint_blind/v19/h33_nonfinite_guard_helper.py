# expect: TVL011
# style: diffusion-model (DDPM) training script with a "safe step" helper
# bug: `safe_optimizer_step` silently skips optimizer.step() whenever any gradient is non-finite; nothing counts or logs the skipped updates
import argparse
import logging
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ddpm")


def grads_are_finite(parameters):
    for p in parameters:
        if p.grad is not None and not torch.isfinite(p.grad).all():
            return False
    return True


def safe_optimizer_step(optimizer, model, max_norm):
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if grads_are_finite(model.parameters()):
        optimizer.step()


class TimeEmbedding(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim
        self.mlp = nn.Sequential(nn.Linear(dim, dim * 4), nn.SiLU(), nn.Linear(dim * 4, dim))

    def forward(self, t):
        half = self.dim // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / half)
        args = t[:, None].float() * freqs[None]
        return self.mlp(torch.cat([args.sin(), args.cos()], -1))


class ResBlock(nn.Module):
    def __init__(self, ch, tdim):
        super().__init__()
        self.n1 = nn.GroupNorm(8, ch)
        self.c1 = nn.Conv2d(ch, ch, 3, padding=1)
        self.t = nn.Linear(tdim, ch)
        self.n2 = nn.GroupNorm(8, ch)
        self.c2 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x, temb):
        h = self.c1(F.silu(self.n1(x)))
        h = h + self.t(temb)[:, :, None, None]
        h = self.c2(F.silu(self.n2(h)))
        return x + h


class TinyUNet(nn.Module):
    def __init__(self, ch=64, tdim=128):
        super().__init__()
        self.temb = TimeEmbedding(tdim)
        self.inp = nn.Conv2d(1, ch, 3, padding=1)
        self.down = nn.Conv2d(ch, ch, 4, 2, 1)
        self.mid = nn.ModuleList([ResBlock(ch, tdim) for _ in range(3)])
        self.up = nn.ConvTranspose2d(ch, ch, 4, 2, 1)
        self.out = nn.Conv2d(2 * ch, 1, 3, padding=1)

    def forward(self, x, t):
        temb = self.temb(t)
        h0 = self.inp(x)
        h = self.down(h0)
        for blk in self.mid:
            h = blk(h, temb)
        h = self.up(h)
        return self.out(torch.cat([h, h0], 1))


class Diffusion:
    def __init__(self, T=1000, device="cpu"):
        self.T = T
        betas = torch.linspace(1e-4, 0.02, T, device=device)
        self.alpha_bar = torch.cumprod(1 - betas, 0)

    def q_sample(self, x0, t, noise):
        ab = self.alpha_bar[t][:, None, None, None]
        return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--out", default="ddpm_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    data = torch.rand(10000, 1, 28, 28) * 2 - 1
    loader = DataLoader(TensorDataset(data), batch_size=args.bs, shuffle=True, drop_last=True, num_workers=2)
    model = TinyUNet().to(device)
    ema = TinyUNet().to(device)
    ema.load_state_dict(model.state_dict())
    ema.requires_grad_(False)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    diff = Diffusion(device=device)
    os.makedirs(args.out, exist_ok=True)

    step = 0
    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for (x0,) in loader:
            x0 = x0.to(device)
            t = torch.randint(0, diff.T, (x0.size(0),), device=device)
            noise = torch.randn_like(x0)
            pred = model(diff.q_sample(x0, t, noise), t)
            loss = F.mse_loss(pred, noise)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            safe_optimizer_step(opt, model, args.clip)
            with torch.no_grad():
                for pe, pm in zip(ema.parameters(), model.parameters()):
                    pe.mul_(0.999).add_(pm, alpha=0.001)
            running += loss.item()
            step += 1
            if step % 200 == 0:
                log.info("step %d loss %.5f", step, running / 200)
                running = 0.0
        torch.save({"model": model.state_dict(), "ema": ema.state_dict(), "step": step},
                   os.path.join(args.out, "ckpt.pt"))
        log.info("epoch %d done", epoch)


if __name__ == "__main__":
    main()
