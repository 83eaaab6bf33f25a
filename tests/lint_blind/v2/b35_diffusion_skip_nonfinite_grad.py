# expect: TVL011
# style: latent-diffusion / EDM-style training loop with a non-finite gradient guard
# bug: when the total grad norm is non-finite or above a threshold the optimizer step is silently skipped; the skip is never counted or logged
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Denoiser(nn.Module):
    def __init__(self, ch=4, hidden=128):
        super().__init__()
        self.sigma_mlp = nn.Sequential(nn.Linear(1, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.inp = nn.Conv2d(ch, hidden, 3, padding=1)
        self.mid = nn.Conv2d(hidden, hidden, 3, padding=1)
        self.out = nn.Conv2d(hidden, ch, 3, padding=1)

    def forward(self, x, sigma):
        h = F.silu(self.inp(x)) + self.sigma_mlp(sigma.log()[:, None] / 4)[:, :, None, None]
        return self.out(F.silu(self.mid(h)))


def edm_loss(net, latents, p_mean=-1.2, p_std=1.2, sigma_data=0.5):
    sigma = (torch.randn(latents.size(0)) * p_std + p_mean).exp()
    w = (sigma ** 2 + sigma_data ** 2) / (sigma * sigma_data) ** 2
    noised = latents + torch.randn_like(latents) * sigma[:, None, None, None]
    return (w[:, None, None, None] * (net(noised, sigma) - latents) ** 2).mean()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--total_kimg", type=int, default=10)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--max_grad_norm", type=float, default=10.0)
    args = parser.parse_args()
    net = Denoiser()
    optimizer = torch.optim.Adam(net.parameters(), lr=args.lr, betas=(0.9, 0.999), eps=1e-8)
    loader = DataLoader(TensorDataset(torch.randn(1024, 4, 16, 16)), batch_size=args.batch, shuffle=True)
    nimg = 0
    while nimg < args.total_kimg * 1000:
        net.train()
        for (latents,) in loader:
            loss = edm_loss(net, latents)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(net.parameters(), float("inf"))
            if not math.isfinite(grad_norm.item()) or grad_norm > args.max_grad_norm:
                continue
            optimizer.step()
            nimg += latents.size(0)
            if nimg % 320 == 0:
                print(f"kimg {nimg / 1000:.2f} loss {loss.item():.4f} gnorm {grad_norm.item():.2f}")


if __name__ == "__main__":
    main()
