# expect: TVL012
# style: time-series anomaly autoencoder; train_step returns the loss tensor and the epoch sums them
# bug: `train_step` returns the loss tensor and `fit` does `epoch_loss += self.train_step(batch)`, so the total keeps each step's graph alive for the whole epoch
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ConvAE(nn.Module):
    def __init__(self, channels=8, latent=16):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv1d(channels, 32, 5, 2, 2), nn.ReLU(),
                                 nn.Conv1d(32, latent, 5, 2, 2), nn.ReLU())
        self.dec = nn.Sequential(nn.ConvTranspose1d(latent, 32, 4, 2, 1), nn.ReLU(),
                                 nn.ConvTranspose1d(32, channels, 4, 2, 1))

    def forward(self, x):
        return self.dec(self.enc(x))


class AETrainer:
    def __init__(self, model, lr):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)

    def train_step(self, batch):
        (x,) = batch
        recon = self.model(x)
        loss = F.mse_loss(recon, x)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss

    def fit(self, loader, epochs):
        for ep in range(epochs):
            self.model.train()
            epoch_loss = 0
            for batch in loader:
                epoch_loss += self.train_step(batch)
            print(f"epoch {ep} recon {epoch_loss.item() / len(loader):.5f}")

    @torch.no_grad()
    def score(self, x):
        self.model.eval()
        err = ((self.model(x) - x) ** 2).mean(dim=(1, 2))
        self.model.train()
        return err


def make_windows(n=3000, channels=8, length=128):
    t = np.linspace(0, 20 * np.pi, length)
    base = np.stack([np.sin(t * (c + 1) / 4) for c in range(channels)])
    x = base[None] + 0.1 * np.random.randn(n, channels, length)
    return torch.tensor(x, dtype=torch.float32)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    windows = make_windows()
    trainer = AETrainer(ConvAE(), args.lr)
    trainer.fit(DataLoader(TensorDataset(windows), batch_size=64, shuffle=True), args.epochs)
    test = windows[:100].clone()
    test[:10] += 2.0 * torch.randn_like(test[:10])
    scores = trainer.score(test)
    print("anomaly threshold", scores[10:].quantile(0.99).item(), "flagged", (scores > scores[10:].quantile(0.99)).sum().item())
