# expect: TVL014
# style: config-dict factory for a time-series anomaly autoencoder; pretrained weights path from an environment variable
# bug: build_model reads the checkpoint path from os.environ["AE_PRETRAINED"] (via the config) and load_pretrained calls torch.load on it without weights_only=True.
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ae")


def get_config():
    return {
        "window": 64,
        "channels": 8,
        "latent": 16,
        "lr": 1e-3,
        "epochs": 15,
        "pretrained": os.environ.get("AE_PRETRAINED", ""),
    }


class ConvAE(nn.Module):
    def __init__(self, channels, latent):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv1d(channels, 32, 4, 2, 1), nn.ReLU(), nn.Conv1d(32, 64, 4, 2, 1), nn.ReLU(), nn.Conv1d(64, latent, 3, 1, 1))
        self.dec = nn.Sequential(nn.ConvTranspose1d(latent, 64, 4, 2, 1), nn.ReLU(), nn.ConvTranspose1d(64, 32, 4, 2, 1), nn.ReLU(), nn.Conv1d(32, channels, 3, 1, 1))

    def forward(self, x):
        return self.dec(self.enc(x))


def load_pretrained(model, path):
    state = torch.load(path, map_location="cpu")
    if "state_dict" in state:
        state = state["state_dict"]
    missing, unexpected = model.load_state_dict(state, strict=False)
    log.info("loaded %s (missing=%d unexpected=%d)", path, len(missing), len(unexpected))


def build_model(cfg):
    model = ConvAE(cfg["channels"], cfg["latent"])
    if cfg["pretrained"]:
        load_pretrained(model, cfg["pretrained"])
    return model


def windows(n, cfg):
    t = torch.linspace(0, 200, n * cfg["window"])
    base = torch.stack([torch.sin(t * (k + 1) * 0.1) for k in range(cfg["channels"])])
    return base.view(cfg["channels"], n, cfg["window"]).permute(1, 0, 2).contiguous() + 0.05 * torch.randn(n, cfg["channels"], cfg["window"])


def main():
    logging.basicConfig(level=logging.INFO)
    cfg = get_config()
    model = build_model(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    dl = DataLoader(TensorDataset(windows(3000, cfg)), batch_size=64, shuffle=True)
    for epoch in range(cfg["epochs"]):
        model.train()
        total = 0.0
        for (x,) in dl:
            opt.zero_grad()
            loss = F.mse_loss(model(x), x)
            loss.backward()
            opt.step()
            total += loss.item()
        log.info("epoch %d recon %.5f", epoch, total / len(dl))
    model.eval()
    with torch.no_grad():
        x = windows(200, cfg)
        err = (model(x) - x).pow(2).mean(dim=(1, 2))
        threshold = err.mean() + 3 * err.std()
    torch.save({"state_dict": model.state_dict(), "threshold": threshold.item()}, "conv_ae.pt")


if __name__ == "__main__":
    main()
