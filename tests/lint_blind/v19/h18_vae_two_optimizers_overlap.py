# expect: TVL006
# style: VAE with an auxiliary latent classifier; optimizers built in a factory from a config dict
# bug: `build_optimizers` gives the encoder its own optimizer and also puts model.parameters() (which include the encoder) in the main optimizer, so encoder weights are stepped twice per iteration by two different optimizers
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("vae")

CONFIG = {
    "latent": 16,
    "hidden": 400,
    "optim": {
        "main": {"lr": 1e-3, "betas": (0.9, 0.999)},
        "encoder": {"lr": 3e-4, "weight_decay": 1e-5},
    },
    "beta": 1.0,
    "cls_weight": 0.3,
}


class Encoder(nn.Module):
    def __init__(self, d_in, hidden, latent):
        super().__init__()
        self.fc = nn.Linear(d_in, hidden)
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)

    def forward(self, x):
        h = F.relu(self.fc(x))
        return self.mu(h), self.logvar(h)


class Decoder(nn.Module):
    def __init__(self, latent, hidden, d_out):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, d_out))

    def forward(self, z):
        return self.net(z)


class SemiVAE(nn.Module):
    def __init__(self, d_in, n_classes, cfg):
        super().__init__()
        self.encoder = Encoder(d_in, cfg["hidden"], cfg["latent"])
        self.decoder = Decoder(cfg["latent"], cfg["hidden"], d_in)
        self.classifier = nn.Linear(cfg["latent"], n_classes)

    def forward(self, x):
        mu, logvar = self.encoder(x)
        std = torch.exp(0.5 * logvar)
        z = mu + std * torch.randn_like(std)
        return self.decoder(z), mu, logvar, self.classifier(mu)


def build_optimizers(model, cfg):
    ocfg = cfg["optim"]
    enc_opt = torch.optim.Adam(model.encoder.parameters(), **ocfg["encoder"])
    main_opt = torch.optim.Adam(model.parameters(), **ocfg["main"])
    return {"encoder": enc_opt, "main": main_opt}


def elbo_terms(x, recon_logits, mu, logvar):
    rec = F.binary_cross_entropy_with_logits(recon_logits, x, reduction="sum") / x.size(0)
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0)
    return rec, kld


def train_epoch(model, loader, opts, cfg, device, epoch):
    model.train()
    stats = {"rec": 0.0, "kld": 0.0, "cls": 0.0}
    for i, (x, y) in enumerate(loader):
        x, y = x.to(device), y.to(device)
        recon, mu, logvar, cls_logits = model(x)
        rec, kld = elbo_terms(x, recon, mu, logvar)
        cls = F.cross_entropy(cls_logits, y)
        loss = rec + cfg["beta"] * kld + cfg["cls_weight"] * cls
        for o in opts.values():
            o.zero_grad()
        loss.backward()
        for o in opts.values():
            o.step()
        stats["rec"] += rec.item()
        stats["kld"] += kld.item()
        stats["cls"] += cls.item()
    n = len(loader)
    log.info("epoch %d rec %.2f kld %.2f cls %.3f", epoch, stats["rec"] / n, stats["kld"] / n, stats["cls"] / n)


@torch.no_grad()
def test(model, loader, device):
    model.eval()
    correct, total, rec_sum = 0, 0, 0.0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        recon, mu, logvar, cls_logits = model(x)
        rec, _ = elbo_terms(x, recon, mu, logvar)
        rec_sum += rec.item() * x.size(0)
        correct += (cls_logits.argmax(1) == y).sum().item()
        total += x.size(0)
    return rec_sum / total, correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--save-dir", default="vae_runs")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    x_tr = (torch.rand(20000, 784) > 0.7).float()
    y_tr = torch.randint(0, 10, (20000,))
    x_te = (torch.rand(2000, 784) > 0.7).float()
    y_te = torch.randint(0, 10, (2000,))
    train_loader = DataLoader(TensorDataset(x_tr, y_tr), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(x_te, y_te), batch_size=500)

    model = SemiVAE(784, 10, CONFIG).to(device)
    opts = build_optimizers(model, CONFIG)
    os.makedirs(args.save_dir, exist_ok=True)
    for epoch in range(args.epochs):
        train_epoch(model, train_loader, opts, CONFIG, device, epoch)
        rec, acc = test(model, test_loader, device)
        log.info("test rec %.2f acc %.4f", rec, acc)
        torch.save(model.state_dict(), os.path.join(args.save_dir, f"vae_{epoch:03d}.pt"))


if __name__ == "__main__":
    main()
