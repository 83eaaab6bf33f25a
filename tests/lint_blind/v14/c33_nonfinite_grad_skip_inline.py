# expect: TVL011
# style: inline training loop for a VAE on synthetic images, with a non-finite guard
# bug: the step is skipped whenever the gradient norm is non-finite, with no counter or log, so a diverging run silently stops updating
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

LATENT = 16
EPOCHS = 25
OUT = "vae_out"
os.makedirs(OUT, exist_ok=True)


class VAE(nn.Module):
    def __init__(self, latent=LATENT):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Flatten(),
            nn.Linear(64 * 7 * 7, 256), nn.ReLU())
        self.mu = nn.Linear(256, latent)
        self.logvar = nn.Linear(256, latent)
        self.dec = nn.Sequential(
            nn.Linear(latent, 64 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1))

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.dec(z), mu, logvar


def elbo(recon_logits, x, mu, logvar, beta=1.0):
    rec = F.binary_cross_entropy_with_logits(recon_logits, x, reduction="sum") / x.size(0)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0)
    return rec + beta * kl, rec, kl


data = (torch.rand(10000, 1, 28, 28) > 0.7).float()
train_loader = DataLoader(TensorDataset(data[:9000]), batch_size=128, shuffle=True)
test_x = data[9000:]

model = VAE()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(EPOCHS):
    model.train()
    beta = min(1.0, (epoch + 1) / 10)
    sums = {"loss": 0.0, "rec": 0.0, "kl": 0.0}
    for (x,) in train_loader:
        recon, mu, logvar = model(x)
        loss, rec, kl = elbo(recon, x, mu, logvar, beta)
        optimizer.zero_grad()
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=100.0)
        if torch.isfinite(grad_norm):
            optimizer.step()
        sums["loss"] += loss.item()
        sums["rec"] += rec.item()
        sums["kl"] += kl.item()
    n = len(train_loader)
    model.eval()
    with torch.no_grad():
        recon, mu, logvar = model(test_x)
        test_loss = elbo(recon, test_x, mu, logvar)[0].item()
        samples = torch.sigmoid(model.dec(torch.randn(64, LATENT)))
    model.train()
    torch.save(samples, os.path.join(OUT, f"samples_{epoch:02d}.pt"))
    print(f"epoch {epoch} beta {beta:.2f} loss {sums['loss'] / n:.2f} rec {sums['rec'] / n:.2f} "
          f"kl {sums['kl'] / n:.2f} test {test_loss:.2f}")
