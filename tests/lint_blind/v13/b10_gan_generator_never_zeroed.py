# expect: TVL003
# style: DCGAN-style generative model training script with separate D/G step functions
# bug: d_step zero_grads the discriminator optimizer, but g_step never clears the generator's gradients, so they accumulate across iterations
import argparse
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def weights_init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


class Generator(nn.Module):
    def __init__(self, nz=64, ngf=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self, ndf=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False))

    def forward(self, x):
        return self.net(x).view(-1)


criterion = nn.BCEWithLogitsLoss()


def d_step(netD, netG, opt_d, real, nz):
    opt_d.zero_grad()
    b = real.size(0)
    out_real = netD(real)
    loss_real = criterion(out_real, torch.ones_like(out_real))
    fake = netG(torch.randn(b, nz, 1, 1, device=real.device))
    out_fake = netD(fake.detach())
    loss_fake = criterion(out_fake, torch.zeros_like(out_fake))
    loss = loss_real + loss_fake
    loss.backward()
    opt_d.step()
    return loss.item(), fake


def g_step(netD, opt_g, fake):
    out = netD(fake)
    loss = criterion(out, torch.ones_like(out))
    loss.backward()
    opt_g.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nz", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--outf", default="samples")
    args = ap.parse_args()
    os.makedirs(args.outf, exist_ok=True)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    images = torch.rand(2048, 1, 32, 32) * 2 - 1
    loader = DataLoader(TensorDataset(images), batch_size=64, shuffle=True, drop_last=True)

    netG, netD = Generator(args.nz).to(dev), Discriminator().to(dev)
    netG.apply(weights_init)
    netD.apply(weights_init)
    opt_d = torch.optim.Adam(netD.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(netG.parameters(), lr=args.lr, betas=(0.5, 0.999))
    fixed_noise = torch.randn(16, args.nz, 1, 1, device=dev)

    for epoch in range(args.epochs):
        for i, (real,) in enumerate(loader):
            real = real.to(dev)
            ld, fake = d_step(netD, netG, opt_d, real, args.nz)
            lg = g_step(netD, opt_g, fake)
            if i % 10 == 0:
                print(f"[{epoch}/{args.epochs}][{i}/{len(loader)}] Loss_D {ld:.4f} Loss_G {lg:.4f}")
        netG.eval()
        with torch.no_grad():
            samples = netG(fixed_noise).cpu()
        netG.train()
        torch.save(samples, os.path.join(args.outf, f"fake_epoch_{epoch:03d}.pt"))
        torch.save({"G": netG.state_dict(), "D": netD.state_dict()}, os.path.join(args.outf, "ckpt.pt"))


if __name__ == "__main__":
    main()
