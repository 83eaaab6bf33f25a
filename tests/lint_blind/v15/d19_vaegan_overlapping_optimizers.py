# expect: TVL006
# style: generative model (VAE-GAN) research script, three optimizers
# bug: opt_enc covers the encoder plus the decoder while opt_dec also covers the decoder, so every iteration the decoder receives two Adam updates from two separate optimizers
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Encoder(nn.Module):
    def __init__(self, z=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(32, 64, 4, 2, 1), nn.BatchNorm2d(64), nn.LeakyReLU(0.2), nn.Flatten(),
        )
        self.mu = nn.Linear(64 * 7 * 7, z)
        self.logvar = nn.Linear(64 * 7 * 7, z)

    def forward(self, x):
        h = self.net(x)
        return self.mu(h), self.logvar(h)


class Decoder(nn.Module):
    def __init__(self, z=32):
        super().__init__()
        self.fc = nn.Linear(z, 64 * 7 * 7)
        self.net = nn.Sequential(
            nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Tanh(),
        )

    def forward(self, z):
        return self.net(self.fc(z).view(-1, 64, 7, 7))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 4, 2, 1), nn.LeakyReLU(0.2),
            nn.Conv2d(32, 64, 4, 2, 1), nn.LeakyReLU(0.2), nn.Flatten(),
        )
        self.out = nn.Linear(64 * 7 * 7, 1)

    def forward(self, x):
        f = self.features(x)
        return self.out(f), f


def reparam(mu, logvar):
    return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--gamma", type=float, default=1e-2, help="weight of feature recon for decoder")
    ap.add_argument("--out", default="vaegan_out")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    data = torch.rand(6000, 1, 28, 28) * 2 - 1
    loader = DataLoader(TensorDataset(data), batch_size=64, shuffle=True, drop_last=True)

    enc, dec, dis = Encoder().to(device), Decoder().to(device), Discriminator().to(device)
    opt_enc = torch.optim.Adam(list(enc.parameters()) + list(dec.parameters()), lr=args.lr, betas=(0.5, 0.999))
    opt_dec = torch.optim.Adam(dec.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_dis = torch.optim.Adam(dis.parameters(), lr=args.lr, betas=(0.5, 0.999))

    for epoch in range(args.epochs):
        enc.train(); dec.train(); dis.train()
        for i, (x,) in enumerate(loader):
            x = x.to(device)
            bs = x.size(0)
            ones = torch.ones(bs, 1, device=device)
            zeros = torch.zeros(bs, 1, device=device)

            # ---- discriminator ----
            mu, logvar = enc(x)
            x_rec = dec(reparam(mu, logvar))
            x_p = dec(torch.randn_like(mu))
            d_real, _ = dis(x)
            d_rec, _ = dis(x_rec.detach())
            d_p, _ = dis(x_p.detach())
            loss_dis = (F.binary_cross_entropy_with_logits(d_real, ones)
                        + F.binary_cross_entropy_with_logits(d_rec, zeros)
                        + F.binary_cross_entropy_with_logits(d_p, zeros))
            opt_dis.zero_grad()
            loss_dis.backward()
            opt_dis.step()

            # ---- encoder + decoder ----
            mu, logvar = enc(x)
            x_rec = dec(reparam(mu, logvar))
            x_p = dec(torch.randn_like(mu))
            _, f_real = dis(x)
            d_rec, f_rec = dis(x_rec)
            d_p, _ = dis(x_p)
            kl = -0.5 * torch.mean(1 + logvar - mu.pow(2) - logvar.exp())
            feat_rec = F.mse_loss(f_rec, f_real.detach())
            gan = F.binary_cross_entropy_with_logits(d_rec, ones) + F.binary_cross_entropy_with_logits(d_p, ones)

            loss_enc = kl + feat_rec
            loss_dec = args.gamma * feat_rec + gan
            opt_enc.zero_grad()
            opt_dec.zero_grad()
            (loss_enc + loss_dec).backward()
            opt_enc.step()
            opt_dec.step()

            if i % 50 == 0:
                print(f"ep {epoch} it {i} D {loss_dis.item():.3f} E {loss_enc.item():.3f} G {loss_dec.item():.3f}")

        with torch.no_grad():
            dec.eval()
            samples = dec(torch.randn(64, 32, device=device))
        torch.save({"enc": enc.state_dict(), "dec": dec.state_dict(), "dis": dis.state_dict(),
                    "samples": samples.cpu()}, os.path.join(args.out, f"ep{epoch}.pt"))


if __name__ == "__main__":
    main()
