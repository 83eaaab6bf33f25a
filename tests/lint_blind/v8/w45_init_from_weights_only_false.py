# expect: TVL014
# style: YAML-ish config + CLI override (OmegaConf-like dotlist), VAE on tabular sensor data warm-started from a user-supplied checkpoint
# bug: init_from() loads cfg.init_checkpoint (overridable from the command line) with torch.load(..., weights_only=False) because the file "also stores the config object"
import argparse
import copy
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

DEFAULTS = {
    "model": {"in_dim": 32, "hidden": 128, "latent": 8},
    "train": {"epochs": 40, "batch_size": 256, "lr": 1e-3, "beta": 1.0},
    "init_checkpoint": None,
    "out": "outputs/vae",
}


def apply_overrides(cfg, dotlist):
    cfg = copy.deepcopy(cfg)
    for item in dotlist:
        key, val = item.split("=", 1)
        node = cfg
        *parents, leaf = key.split(".")
        for p in parents:
            node = node[p]
        old = node.get(leaf)
        node[leaf] = type(old)(val) if old is not None else val
    return cfg


class VAE(nn.Module):
    def __init__(self, in_dim, hidden, latent):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.dec = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, in_dim))

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.dec(z), mu, logvar


def elbo(x, recon, mu, logvar, beta):
    rec = F.mse_loss(recon, x, reduction="sum") / x.size(0)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0)
    return rec + beta * kl, rec, kl


def init_from(model, path):
    # checkpoint also stores the config object used to train it -> needs full unpickling
    blob = torch.load(path, map_location="cpu", weights_only=False)
    model.load_state_dict(blob["state_dict"])
    return blob.get("cfg")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("overrides", nargs="*", help="e.g. train.lr=3e-4 init_checkpoint=prev/vae.pt")
    args = ap.parse_args()
    cfg = apply_overrides(DEFAULTS, args.overrides)
    os.makedirs(cfg["out"], exist_ok=True)

    x = torch.randn(50000, cfg["model"]["in_dim"])
    train_loader = DataLoader(TensorDataset(x[:45000]), batch_size=cfg["train"]["batch_size"], shuffle=True)
    val_loader = DataLoader(TensorDataset(x[45000:]), batch_size=1024)

    model = VAE(**cfg["model"])
    if cfg["init_checkpoint"]:
        prev_cfg = init_from(model, cfg["init_checkpoint"])
        print("warm start from", cfg["init_checkpoint"], "trained with", prev_cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["train"]["lr"])

    for epoch in range(cfg["train"]["epochs"]):
        model.train()
        s = r = k = 0.0
        for (xb,) in train_loader:
            opt.zero_grad()
            loss, rec, kl = elbo(xb, *model(xb), beta=cfg["train"]["beta"])
            loss.backward()
            opt.step()
            s, r, k = s + loss.item(), r + rec.item(), k + kl.item()
        model.eval()
        with torch.no_grad():
            vl = sum(elbo(xb, *model(xb), beta=1.0)[0].item() for (xb,) in val_loader) / len(val_loader)
        n = len(train_loader)
        print(f"epoch {epoch:02d} elbo {s / n:.3f} rec {r / n:.3f} kl {k / n:.3f} val {vl:.3f}")
    torch.save({"state_dict": model.state_dict(), "cfg": cfg}, os.path.join(cfg["out"], "vae.pt"))


if __name__ == "__main__":
    main()
