# expect: TVL005
# style: generative model, conditional VAE on synthetic images with a FiLM-style learnable class scale
# bug: the per-class FiLM gamma/beta tables are created as plain tensors with requires_grad=True instead of nn.Parameter, so they are not in model.parameters() and the optimizer never updates them
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class CondVAE(nn.Module):
    def __init__(self, n_classes=10, z_dim=16, hidden=256):
        super().__init__()
        self.enc = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, z_dim)
        self.logvar = nn.Linear(hidden, z_dim)
        self.dec_in = nn.Linear(z_dim, hidden)
        self.dec_out = nn.Linear(hidden, 28 * 28)
        # class-conditional feature-wise modulation of the decoder hidden layer
        self.film_gamma = torch.ones(n_classes, hidden, requires_grad=True)
        self.film_beta = torch.zeros(n_classes, hidden, requires_grad=True)

    def encode(self, x):
        h = self.enc(x)
        return self.mu(h), self.logvar(h)

    def decode(self, z, y):
        h = self.dec_in(z)
        gamma = self.film_gamma.to(h.device)[y]
        beta = self.film_beta.to(h.device)[y]
        h = F.relu(gamma * h + beta)
        return self.dec_out(h).view(-1, 1, 28, 28)

    def forward(self, x, y):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.decode(z, y), mu, logvar


def elbo_loss(recon_logits, x, mu, logvar, beta=1.0):
    rec = F.binary_cross_entropy_with_logits(recon_logits, x, reduction="sum") / x.size(0)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0)
    return rec + beta * kl, rec.item(), kl.item()


@torch.no_grad()
def sample_grid(model, device, n_per_class=8):
    model.eval()
    y = torch.arange(10, device=device).repeat_interleave(n_per_class)
    z = torch.randn(len(y), model.mu.out_features, device=device)
    imgs = torch.sigmoid(model.decode(z, y))
    model.train()
    return imgs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--out", default="cvae_out")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    x = (torch.rand(10000, 1, 28, 28) > 0.7).float()
    y = torch.randint(0, 10, (10000,))
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True, drop_last=True)

    model = CondVAE().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        tot = rec_t = kl_t = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            recon, mu, logvar = model(xb, yb)
            loss, rec, kl = elbo_loss(recon, xb, mu, logvar, args.beta)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
            rec_t += rec
            kl_t += kl
        n = len(loader)
        print(f"epoch {epoch} loss {tot/n:.2f} rec {rec_t/n:.2f} kl {kl_t/n:.2f}")
        grid = sample_grid(model, device)
        torch.save({"model": model.state_dict(), "samples": grid.cpu()}, os.path.join(args.out, f"ep{epoch}.pt"))


if __name__ == "__main__":
    main()
