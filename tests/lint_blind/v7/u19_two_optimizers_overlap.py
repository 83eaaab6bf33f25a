# expect: TVL006
# style: research script, VAE with a separate "encoder warmup" optimizer, MNIST-sized synthetic data
# bug: opt_all covers every VAE parameter and opt_enc covers the encoder again; both step on the same encoder parameters each batch, so the encoder gets two updates (and two sets of Adam moments) per step.
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Encoder(nn.Module):
    def __init__(self, z=16):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 400), nn.ReLU(), nn.Linear(400, 200), nn.ReLU())
        self.mu = nn.Linear(200, z)
        self.logvar = nn.Linear(200, z)

    def forward(self, x):
        h = self.net(x)
        return self.mu(h), self.logvar(h)


class Decoder(nn.Module):
    def __init__(self, z=16):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(z, 200), nn.ReLU(), nn.Linear(200, 400), nn.ReLU(), nn.Linear(400, 784))

    def forward(self, z):
        return self.net(z).view(-1, 1, 28, 28)


class VAE(nn.Module):
    def __init__(self, z=16):
        super().__init__()
        self.encoder = Encoder(z)
        self.decoder = Decoder(z)

    def forward(self, x):
        mu, logvar = self.encoder(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decoder(z), mu, logvar


def vae_loss(x_logits, x, mu, logvar, beta):
    rec = F.binary_cross_entropy_with_logits(x_logits, x, reduction="sum") / x.size(0)
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0)
    return rec + beta * kld, rec, kld


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--z", type=int, default=16)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--enc-lr", type=float, default=3e-3)
    ap.add_argument("--ckpt", default="vae.pt")
    args = ap.parse_args()

    data = TensorDataset((torch.rand(8000, 1, 28, 28) > 0.7).float())
    loader = DataLoader(data, batch_size=128, shuffle=True)
    model = VAE(args.z)
    opt_all = torch.optim.Adam(model.parameters(), lr=1e-3)
    # encoder learns faster to avoid posterior collapse
    opt_enc = torch.optim.Adam(model.encoder.parameters(), lr=args.enc_lr)

    model.train()
    for epoch in range(args.epochs):
        beta = min(args.beta, args.beta * (epoch + 1) / 5)
        tot = rec_tot = kld_tot = 0.0
        for (x,) in loader:
            opt_all.zero_grad()
            opt_enc.zero_grad()
            x_logits, mu, logvar = model(x)
            loss, rec, kld = vae_loss(x_logits, x, mu, logvar, beta)
            loss.backward()
            opt_all.step()
            opt_enc.step()
            tot += loss.item()
            rec_tot += rec.item()
            kld_tot += kld.item()
        n = len(loader)
        print(f"epoch {epoch:2d} beta {beta:.2f} loss {tot/n:.2f} rec {rec_tot/n:.2f} kld {kld_tot/n:.2f}")
    torch.save({"model": model.state_dict(), "args": vars(args)}, args.ckpt)
    print("saved to", os.path.abspath(args.ckpt))


if __name__ == "__main__":
    main()
