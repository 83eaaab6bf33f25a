# expect: TVL006
# style: DCGAN with a wrapper nn.Module holding G and D, optimizers built in a setup function
# bug: setup_optimizers() builds opt_g over gan.generator but opt_d over gan.parameters(), which also contains the generator, so the two optimizers overlap
import argparse
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Generator(nn.Module):
    def __init__(self, nz=100, ngf=64, nc=3):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf=64, nc=3):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False),
        )

    def forward(self, x):
        return self.main(x).view(-1)


class GAN(nn.Module):
    def __init__(self, nz):
        super().__init__()
        self.nz = nz
        self.generator = Generator(nz)
        self.discriminator = Discriminator()

    def sample(self, n, device):
        return self.generator(torch.randn(n, self.nz, 1, 1, device=device))


def weights_init(m):
    name = m.__class__.__name__
    if "Conv" in name:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif "BatchNorm" in name:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def setup_optimizers(gan, lr, beta1):
    opt_g = torch.optim.Adam(gan.generator.parameters(), lr=lr, betas=(beta1, 0.999))
    opt_d = torch.optim.Adam(gan.parameters(), lr=lr, betas=(beta1, 0.999))
    return opt_g, opt_d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nz", type=int, default=100)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--beta1", type=float, default=0.5)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--outf", default="samples")
    args = ap.parse_args()
    os.makedirs(args.outf, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    data = TensorDataset(torch.rand(5000, 3, 32, 32) * 2 - 1)
    loader = DataLoader(data, batch_size=128, shuffle=True, drop_last=True)
    gan = GAN(args.nz).to(device)
    gan.apply(weights_init)
    opt_g, opt_d = setup_optimizers(gan, args.lr, args.beta1)
    bce = nn.BCEWithLogitsLoss()
    fixed = torch.randn(64, args.nz, 1, 1, device=device)

    for epoch in range(args.epochs):
        gan.train()
        for i, (real,) in enumerate(loader):
            real = real.to(device)
            b = real.size(0)
            ones, zeros = torch.ones(b, device=device), torch.zeros(b, device=device)

            opt_d.zero_grad()
            fake = gan.sample(b, device)
            loss_d = bce(gan.discriminator(real), ones) + bce(gan.discriminator(fake.detach()), zeros)
            loss_d.backward()
            opt_d.step()

            opt_g.zero_grad()
            loss_g = bce(gan.discriminator(fake), ones)
            loss_g.backward()
            opt_g.step()

            if i % 10 == 0:
                print(f"[{epoch}/{args.epochs}][{i}/{len(loader)}] Loss_D {loss_d.item():.4f} Loss_G {loss_g.item():.4f}")
        gan.eval()
        with torch.no_grad():
            samples = gan.generator(fixed).cpu()
        gan.train()
        torch.save(samples, os.path.join(args.outf, f"fake_epoch_{epoch:03d}.pt"))
        torch.save(gan.state_dict(), os.path.join(args.outf, "gan.pt"))


if __name__ == "__main__":
    main()
