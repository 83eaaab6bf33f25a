# expect: TVL002
# style: DCGAN-like research script with helper functions, MNIST-sized synthetic data
# bug: sample_fake() detaches the generator output and the same detached batch feeds the generator loss, so no gradient ever reaches the generator.
import argparse
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Generator(nn.Module):
    def __init__(self, nz=64, ngf=32):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 7, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf=32):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, 1, 7, 1, 0),
        )

    def forward(self, x):
        return self.main(x).view(-1)


def sample_fake(netG, batch_size, nz, device):
    z = torch.randn(batch_size, nz, 1, 1, device=device)
    # D must not backprop into G
    return netG(z).detach()


def d_step(netD, optD, real, fake, crit):
    optD.zero_grad()
    ones = torch.ones(real.size(0), device=real.device)
    zeros = torch.zeros(fake.size(0), device=real.device)
    loss = crit(netD(real), ones) + crit(netD(fake), zeros)
    loss.backward()
    optD.step()
    return loss.item()


def g_step(netD, optG, fake, crit):
    optG.zero_grad()
    ones = torch.ones(fake.size(0), device=fake.device)
    loss = crit(netD(fake), ones)
    loss.backward()
    optG.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nz", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--out", default="runs/dcgan")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(args.out, exist_ok=True)

    data = TensorDataset(torch.rand(6000, 1, 28, 28) * 2 - 1)
    loader = DataLoader(data, batch_size=args.bs, shuffle=True, drop_last=True)
    netG, netD = Generator(args.nz).to(device), Discriminator().to(device)
    optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    crit = nn.BCEWithLogitsLoss()
    fixed_z = torch.randn(16, args.nz, 1, 1, device=device)

    for epoch in range(args.epochs):
        for i, (real,) in enumerate(loader):
            real = real.to(device)
            fake = sample_fake(netG, real.size(0), args.nz, device)
            ld = d_step(netD, optD, real, fake, crit)
            lg = g_step(netD, optG, fake, crit)
            if i % 20 == 0:
                print(f"[{epoch}/{args.epochs}][{i}/{len(loader)}] D {ld:.3f} G {lg:.3f}")
        netG.eval()
        with torch.no_grad():
            grid = netG(fixed_z).cpu()
        netG.train()
        torch.save({"G": netG.state_dict(), "D": netD.state_dict(), "samples": grid},
                   os.path.join(args.out, f"epoch{epoch}.pt"))


if __name__ == "__main__":
    main()
