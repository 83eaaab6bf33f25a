# expect: clean
# style: diffusion training loop with an EMA copy of the denoiser (improved-diffusion / k-diffusion style)
# note: EMA weights updated in-place under torch.no_grad(); EMA model never in the optimizer; sampling uses the EMA copy under no_grad
import argparse
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Denoiser(nn.Module):
    def __init__(self, ch=1, hidden=64):
        super().__init__()
        self.t_proj = nn.Linear(1, hidden)
        self.c1 = nn.Conv2d(ch, hidden, 3, padding=1)
        self.c2 = nn.Conv2d(hidden, ch, 3, padding=1)

    def forward(self, x, t):
        return self.c2(F.silu(self.c1(x) + self.t_proj(t[:, None])[:, :, None, None]))


@torch.no_grad()
def update_ema(ema, model, decay):
    for e, p in zip(ema.parameters(), model.parameters()):
        e.mul_(decay).add_(p.detach(), alpha=1 - decay)


@torch.no_grad()
def sample(ema, n, steps=20):
    x = torch.randn(n, 1, 28, 28)
    for i in reversed(range(steps)):
        t = torch.full((n,), i / steps)
        x = x - ema(x, t) / steps
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--ema_decay", type=float, default=0.9999)
    args = ap.parse_args()
    model = Denoiser()
    ema = copy.deepcopy(model).eval().requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-4)
    loader = DataLoader(TensorDataset(torch.rand(1024, 1, 28, 28)), batch_size=64, shuffle=True, drop_last=True)
    step = 0
    while step < args.steps:
        model.train()
        for (x0,) in loader:
            t = torch.rand(x0.size(0))
            noise = torch.randn_like(x0)
            xt = (1 - t)[:, None, None, None] * x0 + t[:, None, None, None] * noise
            loss = F.mse_loss(model(xt, t), noise - x0)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            update_ema(ema, model, args.ema_decay)
            step += 1
            if step % 500 == 0:
                print(f"step {step} loss {loss.item():.4f} sample std {sample(ema, 4).std().item():.3f}")


if __name__ == "__main__":
    main()
