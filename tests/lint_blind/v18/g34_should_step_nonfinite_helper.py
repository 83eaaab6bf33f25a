# expect: TVL011
# style: fp32 diffusion (DDPM) training on 2-D toy data, utils module with a grad-sanity helper
# bug: grads_are_finite() gates optimizer.step() in train_step(); non-finite batches are dropped silently (no counter, no log), so a run that goes NaN keeps "training" with nothing applied.
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ddpm2d")


# ---------------------------------------------------------------- utils
def grads_are_finite(params):
    for p in params:
        if p.grad is not None and not torch.isfinite(p.grad).all():
            return False
    return True


def make_beta_schedule(T, start=1e-4, end=0.02):
    return torch.linspace(start, end, T)


# ---------------------------------------------------------------- model
class SinusoidalEmb(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, t):
        half = self.dim // 2
        freqs = torch.exp(-math.log(10000) * torch.arange(half, device=t.device) / half)
        ang = t.float()[:, None] * freqs[None]
        return torch.cat([ang.sin(), ang.cos()], -1)


class Denoiser(nn.Module):
    def __init__(self, hidden=256, t_dim=64):
        super().__init__()
        self.t_emb = nn.Sequential(SinusoidalEmb(t_dim), nn.Linear(t_dim, hidden), nn.SiLU())
        self.inp = nn.Linear(2, hidden)
        self.body = nn.Sequential(nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU())
        self.out = nn.Linear(hidden, 2)

    def forward(self, x, t):
        return self.out(self.body(self.inp(x) + self.t_emb(t)))


# ---------------------------------------------------------------- training
class DDPM:
    def __init__(self, model, T=200, lr=1e-3):
        self.model = model
        self.T = T
        betas = make_beta_schedule(T)
        self.alpha_bar = torch.cumprod(1 - betas, 0)
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)

    def loss(self, x0):
        t = torch.randint(0, self.T, (x0.size(0),))
        noise = torch.randn_like(x0)
        ab = self.alpha_bar[t].unsqueeze(-1)
        xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
        return F.mse_loss(self.model(xt, t), noise)

    def train_step(self, x0):
        loss = self.loss(x0)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        if grads_are_finite(self.model.parameters()):
            nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
            self.opt.step()
        return loss.item()

    @torch.no_grad()
    def sample(self, n):
        x = torch.randn(n, 2)
        betas = make_beta_schedule(self.T)
        for t in reversed(range(self.T)):
            tt = torch.full((n,), t, dtype=torch.long)
            eps = self.model(x, tt)
            a, ab = 1 - betas[t], self.alpha_bar[t]
            x = (x - betas[t] / (1 - ab).sqrt() * eps) / a.sqrt()
            if t > 0:
                x = x + betas[t].sqrt() * torch.randn_like(x)
        return x


def two_moons(n):
    t = torch.rand(n) * math.pi
    top = torch.stack([t.cos(), t.sin()], 1)
    bottom = torch.stack([1 - t.cos(), 0.5 - t.sin()], 1)
    pick = torch.rand(n) < 0.5
    return torch.where(pick[:, None], top, bottom) + 0.05 * torch.randn(n, 2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(TensorDataset(two_moons(20000)), batch_size=512, shuffle=True)
    ddpm = DDPM(Denoiser(), lr=args.lr)
    for epoch in range(args.epochs):
        ddpm.model.train()
        losses = [ddpm.train_step(x0) for (x0,) in loader]
        if epoch % 10 == 0:
            ddpm.model.eval()
            s = ddpm.sample(500)
            log.info("epoch %d loss %.4f sample_mean %s", epoch, sum(losses) / len(losses), s.mean(0).tolist())
    torch.save(ddpm.model.state_dict(), "ddpm2d.pt")


if __name__ == "__main__":
    main()
