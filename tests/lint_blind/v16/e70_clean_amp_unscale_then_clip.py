# expect: clean
# style: accelerate-free AMP loop in a Trainer, U-Net denoiser (diffusion model) with EMA-free training
# note: the optimizer step is "gated" only by GradScaler itself (it skips inf/NaN steps and lowers the scale, the standard AMP behaviour); clipping happens after scaler.unscale_ and scaler.update() follows every scaler.step()
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ddpm")


def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([args.sin(), args.cos()], -1)


class TinyUNet(nn.Module):
    def __init__(self, c=64, tdim=128):
        super().__init__()
        self.t_mlp = nn.Sequential(nn.Linear(tdim, c), nn.SiLU(), nn.Linear(c, c))
        self.down1 = nn.Conv2d(3, c, 3, 1, 1)
        self.down2 = nn.Conv2d(c, 2 * c, 4, 2, 1)
        self.mid = nn.Conv2d(2 * c, 2 * c, 3, 1, 1)
        self.up = nn.ConvTranspose2d(2 * c, c, 4, 2, 1)
        self.out = nn.Conv2d(2 * c, 3, 3, 1, 1)
        self.tdim = tdim

    def forward(self, x, t):
        te = self.t_mlp(timestep_embedding(t, self.tdim))[:, :, None, None]
        h1 = F.silu(self.down1(x) + te)
        h2 = F.silu(self.down2(h1))
        h2 = F.silu(self.mid(h2))
        u = F.silu(self.up(h2))
        return self.out(torch.cat([u, h1], 1))


class DiffusionTrainer:
    def __init__(self, model, args, device):
        self.model, self.args, self.device = model.to(device), args, device
        self.opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
        self.scaler = torch.cuda.amp.GradScaler(enabled=device.type == "cuda")
        betas = torch.linspace(1e-4, 0.02, args.T)
        self.alpha_bar = torch.cumprod(1 - betas, 0).to(device)

    def step(self, x0):
        t = torch.randint(0, self.args.T, (x0.size(0),), device=self.device)
        noise = torch.randn_like(x0)
        ab = self.alpha_bar[t][:, None, None, None]
        xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
        with torch.autocast(self.device.type, enabled=self.device.type == "cuda"):
            loss = F.mse_loss(self.model(xt, t), noise)
        self.opt.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.opt)
        gn = nn.utils.clip_grad_norm_(self.model.parameters(), self.args.clip)
        self.scaler.step(self.opt)
        self.scaler.update()
        return loss.item(), gn.item()

    def fit(self, loader):
        it = 0
        for epoch in range(self.args.epochs):
            self.model.train()
            for (x0,) in loader:
                loss, gn = self.step(x0.to(self.device))
                if it % 100 == 0:
                    log.info("epoch %d it %d loss %.4f gnorm %.3f scale %.0f", epoch, it, loss, gn,
                             self.scaler.get_scale())
                it += 1
            torch.save(self.model.state_dict(), "ddpm_unet.pt")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--T", type=int, default=1000)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    data = torch.rand(5000, 3, 32, 32) * 2 - 1
    loader = DataLoader(TensorDataset(data), batch_size=64, shuffle=True, drop_last=True, num_workers=2)
    DiffusionTrainer(TinyUNet(), args, device).fit(loader)
