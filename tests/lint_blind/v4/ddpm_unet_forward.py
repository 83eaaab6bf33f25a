# expect: TVL013
# style: DDPM training (denoising-diffusion-pytorch-like GaussianDiffusion wrapper around a UNet)
# bug: GaussianDiffusion.p_losses() calls self.denoise_fn.forward(x_noisy, t) instead of self.denoise_fn(x_noisy, t)
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def sinusoidal(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([args.sin(), args.cos()], dim=-1)


class TinyUNet(nn.Module):
    def __init__(self, ch=64, tdim=128):
        super().__init__()
        self.tdim = tdim
        self.time_mlp = nn.Sequential(nn.Linear(tdim, ch), nn.SiLU(), nn.Linear(ch, ch))
        self.down = nn.Conv2d(3, ch, 3, 2, 1)
        self.mid = nn.Conv2d(ch, ch, 3, 1, 1)
        self.up = nn.ConvTranspose2d(ch, 3, 4, 2, 1)

    def forward(self, x, t):
        h = F.silu(self.down(x))
        h = h + self.time_mlp(sinusoidal(t, self.tdim))[:, :, None, None]
        return self.up(F.silu(self.mid(h)))


class GaussianDiffusion(nn.Module):
    def __init__(self, denoise_fn, timesteps=1000):
        super().__init__()
        self.denoise_fn = denoise_fn
        self.num_timesteps = timesteps
        betas = torch.linspace(1e-4, 0.02, timesteps)
        alphas_cumprod = torch.cumprod(1 - betas, dim=0)
        self.register_buffer("sqrt_ac", alphas_cumprod.sqrt())
        self.register_buffer("sqrt_1m_ac", (1 - alphas_cumprod).sqrt())

    def q_sample(self, x_start, t, noise):
        return self.sqrt_ac[t][:, None, None, None] * x_start + self.sqrt_1m_ac[t][:, None, None, None] * noise

    def p_losses(self, x_start, t):
        noise = torch.randn_like(x_start)
        x_noisy = self.q_sample(x_start, t, noise)
        pred_noise = self.denoise_fn.forward(x_noisy, t)
        return F.mse_loss(pred_noise, noise)

    def forward(self, x):
        t = torch.randint(0, self.num_timesteps, (x.size(0),), device=x.device)
        return self.p_losses(x, t)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--train_num_steps", type=int, default=10000)
    ap.add_argument("--train_batch_size", type=int, default=32)
    ap.add_argument("--train_lr", type=float, default=2e-4)
    args = ap.parse_args()
    diffusion = GaussianDiffusion(TinyUNet())
    opt = torch.optim.Adam(diffusion.parameters(), lr=args.train_lr)
    for step in range(args.train_num_steps):
        data = torch.rand(args.train_batch_size, 3, 32, 32) * 2 - 1
        loss = diffusion(data)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 500 == 0:
            print(f"step {step}: loss {loss.item():.4f}")
