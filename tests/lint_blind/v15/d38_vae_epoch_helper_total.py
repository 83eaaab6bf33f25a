# expect: TVL012
# style: VAE on synthetic images, run_epoch() helper returning a dict of summed losses
# bug: run_epoch() accumulates `total_loss = total_loss + loss * bs` with the graph-carrying loss tensor during training, so all batches' graphs are retained until the dict is formatted at the end of the epoch
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ConvVAE(nn.Module):
    def __init__(self, z_dim=16):
        super().__init__()
        self.enc = nn.Sequential(
            nn.Conv2d(1, 32, 4, 2, 1), nn.ReLU(),
            nn.Conv2d(32, 64, 4, 2, 1), nn.ReLU(), nn.Flatten(),
            nn.Linear(64 * 7 * 7, 256), nn.ReLU(),
        )
        self.mu = nn.Linear(256, z_dim)
        self.logvar = nn.Linear(256, z_dim)
        self.dec = nn.Sequential(
            nn.Linear(z_dim, 256), nn.ReLU(), nn.Linear(256, 64 * 7 * 7), nn.ReLU(),
            nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(),
            nn.ConvTranspose2d(32, 1, 4, 2, 1),
        )

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.dec(z), mu, logvar


def vae_loss(logits, x, mu, logvar, beta):
    rec = F.binary_cross_entropy_with_logits(logits, x, reduction="sum") / x.size(0)
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / x.size(0)
    return rec + beta * kl, rec, kl


def run_epoch(model, loader, optimizer=None, beta=1.0, device="cpu"):
    training = optimizer is not None
    model.train(training)
    total_loss, total_rec, total_kl, n = 0.0, 0.0, 0.0, 0
    with torch.set_grad_enabled(training):
        for (x,) in loader:
            x = x.to(device)
            logits, mu, logvar = model(x)
            loss, rec, kl = vae_loss(logits, x, mu, logvar, beta)
            if training:
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
            bs = x.size(0)
            total_loss = total_loss + loss * bs
            total_rec += rec.item() * bs
            total_kl += kl.item() * bs
            n += bs
    return {"loss": float(total_loss) / n, "rec": total_rec / n, "kl": total_kl / n}


def make_blobs(n, seed):
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    cy = torch.randint(6, 22, (n, 1, 1), generator=g).float()
    cx = torch.randint(6, 22, (n, 1, 1), generator=g).float()
    r = torch.randint(3, 7, (n, 1, 1), generator=g).float()
    img = (((yy - cy) ** 2 + (xx - cx) ** 2) <= r ** 2).float()
    return img.unsqueeze(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--warmup-epochs", type=int, default=5)
    ap.add_argument("--out", default="vae_runs")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_dl = DataLoader(TensorDataset(make_blobs(20000, 0)), batch_size=128, shuffle=True)
    val_dl = DataLoader(TensorDataset(make_blobs(2000, 1)), batch_size=512)
    model = ConvVAE().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    best = float("inf")
    for epoch in range(args.epochs):
        beta = args.beta * min(1.0, (epoch + 1) / args.warmup_epochs)
        tr = run_epoch(model, train_dl, opt, beta, device)
        va = run_epoch(model, val_dl, None, beta, device)
        print(f"epoch {epoch:02d} beta {beta:.2f} train {tr} val {va}")
        if va["loss"] < best:
            best = va["loss"]
            torch.save(model.state_dict(), os.path.join(args.out, "vae_best.pt"))
    model.eval()
    with torch.no_grad():
        samples = torch.sigmoid(model.dec(torch.randn(64, 16, device=device)))
    torch.save(samples.cpu(), os.path.join(args.out, "samples.pt"))


if __name__ == "__main__":
    main()
