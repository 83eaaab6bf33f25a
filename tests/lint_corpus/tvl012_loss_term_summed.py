# expect: TVL012
"""A VAE whose loss is a reconstruction term plus a weighted KL term; the script logs each term's
epoch average by summing the terms themselves. The reconstruction term comes from a criterion
and is part of every batch's graph, so the running sum keeps all of them alive."""
import torch
from torch import nn


class VAE(nn.Module):
    def __init__(self, d=784, z=16):
        super().__init__()
        self.enc = nn.Linear(d, 2 * z)
        self.dec = nn.Linear(z, d)

    def forward(self, x):
        mu, logvar = self.enc(x).chunk(2, dim=1)
        zs = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.dec(zs), mu, logvar


vae = VAE()
recon_crit = nn.BCEWithLogitsLoss()
opt = torch.optim.Adam(vae.parameters(), lr=1e-3)
images = torch.rand(2048, 784)
for epoch in range(5):
    rec_total, kl_total = 0.0, 0.0
    for batch in images.split(128):
        logits, mu, logvar = vae(batch)
        rec = recon_crit(logits, batch)
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(1).mean()
        loss = rec + 0.5 * kl
        opt.zero_grad()
        loss.backward()
        opt.step()
        rec_total += rec
        kl_total += kl.item()
    print(epoch, float(rec_total), kl_total)
