# zoo: healthy
# zoo: args=--epochs 5
"""Healthy: a variational autoencoder on synthetic 8x8 binary glyphs (a few prototype shapes
with pixel flips), Bernoulli decoder trained with binary_cross_entropy_with_logits summed per
image, the analytic Gaussian KL with a short KL warm-up, Adam, and a held-out ELBO each epoch."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=5)
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
prototypes = (torch.rand(6, 64, generator=g) < 0.4).float()
which = torch.randint(0, 6, (2048,), generator=g)
flips = (torch.rand(2048, 64, generator=g) < 0.05).float()
x = (prototypes[which] + flips) % 2
train_loader = DataLoader(TensorDataset(x[:1792]), batch_size=64, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x[1792:]), batch_size=256)


class VAE(nn.Module):
    def __init__(self, z: int = 4) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 2 * z))
        self.dec = nn.Sequential(nn.Linear(z, 128), nn.ReLU(), nn.Linear(128, 64))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.enc(x).chunk(2, dim=-1)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(z), mu, logvar


def elbo_terms(model: VAE, xb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    logits, mu, logvar = model(xb)
    recon = F.binary_cross_entropy_with_logits(logits, xb, reduction="sum") / len(xb)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / len(xb)
    return recon, kl


model = VAE()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
step = 0
for epoch in range(args.epochs):
    model.train()
    for (xb,) in train_loader:
        beta = min(1.0, step / 50)  # KL warm-up
        recon, kl = elbo_terms(model, xb)
        loss = recon + beta * kl
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step += 1
    model.eval()
    with torch.no_grad():
        val = sum(sum(elbo_terms(model, xb)).item() for (xb,) in val_loader)
    print(f"epoch {epoch + 1}: train -ELBO {recon.item() + kl.item():.2f}, val -ELBO {val:.2f}")
