# expect: TVL006
# style: VAE with an auxiliary latent classifier, two optimizers from a build_optimizers() factory
# bug: opt_main covers the whole model (including the encoder) and opt_aux covers encoder + classifier, so the encoder's parameters are owned by two optimizers and get stepped twice per batch with two sets of Adam state.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("vae")


class Encoder(nn.Module):
    def __init__(self, d_in, z):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU())
        self.mu = nn.Linear(128, z)
        self.logvar = nn.Linear(128, z)

    def forward(self, x):
        h = self.body(x)
        return self.mu(h), self.logvar(h)


class VAE(nn.Module):
    def __init__(self, d_in=784, z=16, n_classes=10):
        super().__init__()
        self.encoder = Encoder(d_in, z)
        self.decoder = nn.Sequential(nn.Linear(z, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, d_in))
        self.classifier = nn.Linear(z, n_classes)

    def forward(self, x):
        mu, logvar = self.encoder(x)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.decoder(z), mu, logvar


def build_optimizers(model, lr_main, lr_aux):
    opt_main = torch.optim.Adam(model.parameters(), lr=lr_main)
    aux_params = list(model.encoder.parameters()) + list(model.classifier.parameters())
    opt_aux = torch.optim.Adam(aux_params, lr=lr_aux)
    return opt_main, opt_aux


def elbo_loss(x, recon_logits, mu, logvar, beta):
    rec = F.binary_cross_entropy_with_logits(recon_logits, x, reduction="sum") / x.size(0)
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0)
    return rec + beta * kld, rec, kld


def synthetic_digits(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    protos = torch.rand(10, 784, generator=torch.Generator().manual_seed(123)) > 0.7
    x = (protos[y].float() * 0.9 + 0.1 * torch.rand(n, 784, generator=g)).clamp(0, 1)
    return TensorDataset(x, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--aux-lr", type=float, default=5e-4)
    ap.add_argument("--aux-weight", type=float, default=0.5)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl = DataLoader(synthetic_digits(10000, 0), batch_size=128, shuffle=True)
    model = VAE()
    opt_main, opt_aux = build_optimizers(model, args.lr, args.aux_lr)

    for epoch in range(args.epochs):
        model.train()
        stats = {"loss": 0.0, "rec": 0.0, "kld": 0.0, "aux": 0.0}
        for x, y in train_dl:
            recon, mu, logvar = model(x)
            loss, rec, kld = elbo_loss(x, recon, mu, logvar, args.beta)
            opt_main.zero_grad()
            loss.backward()
            opt_main.step()

            mu2, _ = model.encoder(x)
            aux = args.aux_weight * F.cross_entropy(model.classifier(mu2), y)
            opt_aux.zero_grad()
            aux.backward()
            opt_aux.step()

            stats["loss"] += loss.item()
            stats["rec"] += rec.item()
            stats["kld"] += kld.item()
            stats["aux"] += aux.item()
        log.info("epoch %d %s", epoch, {k: round(v / len(train_dl), 3) for k, v in stats.items()})
    torch.save(model.state_dict(), "vae_aux.pt")


if __name__ == "__main__":
    main()
