# expect: TVL011
# style: hierarchical-VAE research code (NVAE/VDVAE-style "skip updates with huge grad norm")
# bug: optimizer.step() only runs when the grad norm is below --skip-threshold, and skipped updates are neither counted nor logged
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ConvVAE(nn.Module):
    def __init__(self, zdim=32):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(),
                                 nn.Flatten(), nn.Linear(64 * 7 * 7, 2 * zdim))
        self.dec = nn.Sequential(nn.Linear(zdim, 64 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
                                 nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1))

    def forward(self, x):
        mu, logvar = self.enc(x).chunk(2, dim=1)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.dec(z), mu, logvar


def elbo_loss(logits, x, mu, logvar):
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.size(0)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0)
    return rec + kl, rec, kl


def main():
    H = argparse.ArgumentParser()
    H.add_argument("--epochs", type=int, default=10)
    H.add_argument("--lr", type=float, default=2e-4)
    H.add_argument("--grad-clip", type=float, default=200.0)
    H.add_argument("--skip-threshold", type=float, default=400.0)
    H = H.parse_args()
    vae = ConvVAE()
    optimizer = torch.optim.Adamax(vae.parameters(), lr=H.lr)
    data = TensorDataset(torch.rand(3000, 1, 28, 28).round())
    loader = DataLoader(data, batch_size=64, shuffle=True)
    for epoch in range(H.epochs):
        vae.train()
        for (x,) in loader:
            optimizer.zero_grad()
            logits, mu, logvar = vae(x)
            loss, rec, kl = elbo_loss(logits, x, mu, logvar)
            loss.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(vae.parameters(), H.grad_clip).item()
            if grad_norm < H.skip_threshold:
                optimizer.step()
        print(f"epoch {epoch} elbo {loss.item():.2f} rec {rec.item():.2f} kl {kl.item():.2f}")


if __name__ == "__main__":
    main()
