# expect: TVL006
# style: VAE research script with per-module learning rates via param groups
# bug: the "decoder" param group uses vae.parameters() (the whole model) while the encoder group lists vae.encoder.parameters(), so encoder parameters appear in two groups
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Encoder(nn.Module):
    def __init__(self, d_in=784, h=400, z=20):
        super().__init__()
        self.fc = nn.Linear(d_in, h)
        self.mu = nn.Linear(h, z)
        self.logvar = nn.Linear(h, z)

    def forward(self, x):
        h = F.relu(self.fc(x))
        return self.mu(h), self.logvar(h)


class Decoder(nn.Module):
    def __init__(self, z=20, h=400, d_out=784):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(z, h), nn.ReLU(), nn.Linear(h, d_out))

    def forward(self, z):
        return self.net(z)


class VAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.decoder = Decoder()

    def forward(self, x):
        mu, logvar = self.encoder(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar


def elbo(recon_logits, x, mu, logvar, beta):
    rec = F.binary_cross_entropy_with_logits(recon_logits, x, reduction="sum") / x.size(0)
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0)
    return rec + beta * kld, rec, kld


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--enc-lr", type=float, default=1e-3)
    ap.add_argument("--dec-lr", type=float, default=5e-4)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()

    vae = VAE()
    optimizer = torch.optim.Adam([
        {"params": vae.encoder.parameters(), "lr": args.enc_lr},
        {"params": vae.parameters(), "lr": args.dec_lr},
    ])
    data = (torch.rand(5000, 784) > 0.5).float()
    loader = DataLoader(TensorDataset(data), batch_size=128, shuffle=True)
    for epoch in range(args.epochs):
        vae.train()
        stats = torch.zeros(3)
        for (x,) in loader:
            recon, mu, logvar = vae(x)
            loss, rec, kld = elbo(recon, x, mu, logvar, args.beta)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            stats += torch.tensor([loss.item(), rec.item(), kld.item()])
        stats /= len(loader)
        print(f"epoch {epoch} loss {stats[0]:.2f} rec {stats[1]:.2f} kld {stats[2]:.2f}")


if __name__ == "__main__":
    main()
