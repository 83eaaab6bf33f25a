# expect: TVL002
# style: DCGAN-style training with helper functions for D and G steps
# bug: `generator_step` scores `fake.detach()` with the discriminator, so the generator loss only reaches D's parameters and the generator never gets gradients
import argparse
import os
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from torchvision.utils import save_image

logging.basicConfig(level=logging.INFO)
logger = logging.getLogger("dcgan")


class Generator(nn.Module):
    def __init__(self, nz=64, ngf=64):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z.view(z.size(0), -1, 1, 1))


class Discriminator(nn.Module):
    def __init__(self, ndf=64):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False),
        )

    def forward(self, x):
        return self.main(x).view(-1)


def weights_init(m):
    name = m.__class__.__name__
    if "Conv" in name:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif "BatchNorm" in name:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def discriminator_step(netD, netG, real, opt_d, criterion, nz, device):
    b = real.size(0)
    z = torch.randn(b, nz, device=device)
    fake = netG(z)
    opt_d.zero_grad()
    out_real = netD(real)
    out_fake = netD(fake.detach())
    loss_d = criterion(out_real, torch.ones_like(out_real)) + criterion(out_fake, torch.zeros_like(out_fake))
    loss_d.backward()
    opt_d.step()
    return loss_d.item(), fake


def score_fake(netD, fake):
    # D is shared between both steps; keep G's graph out of it
    return netD(fake.detach())


def generator_step(netD, fake, opt_g, criterion):
    opt_g.zero_grad()
    out = score_fake(netD, fake)
    loss_g = criterion(out, torch.ones_like(out))
    loss_g.backward()
    opt_g.step()
    return loss_g.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--nz", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--outdir", default="samples")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    images = torch.rand(6000, 1, 32, 32) * 2 - 1
    loader = DataLoader(TensorDataset(images), batch_size=128, shuffle=True, drop_last=True)

    netG = Generator(args.nz).to(device)
    netD = Discriminator().to(device)
    netG.apply(weights_init)
    netD.apply(weights_init)
    criterion = nn.BCEWithLogitsLoss()
    opt_d = torch.optim.Adam(netD.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_g = torch.optim.Adam(netG.parameters(), lr=args.lr, betas=(0.5, 0.999))
    fixed_z = torch.randn(64, args.nz, device=device)

    for epoch in range(args.epochs):
        d_hist, g_hist = [], []
        for i, (real,) in enumerate(loader):
            real = real.to(device)
            ld, fake = discriminator_step(netD, netG, real, opt_d, criterion, args.nz, device)
            lg = generator_step(netD, fake, opt_g, criterion)
            d_hist.append(ld)
            g_hist.append(lg)
            if i % 20 == 0:
                logger.info("[%d/%d][%d] loss_D %.4f loss_G %.4f", epoch, args.epochs, i, ld, lg)
        with torch.no_grad():
            netG.eval()
            samples = netG(fixed_z)
            netG.train()
        save_image(samples * 0.5 + 0.5, os.path.join(args.outdir, f"epoch_{epoch:03d}.png"), nrow=8)
        logger.info("epoch %d mean D %.4f mean G %.4f", epoch, sum(d_hist) / len(d_hist), sum(g_hist) / len(g_hist))

    torch.save({"G": netG.state_dict(), "D": netD.state_dict()}, "dcgan_final.pt")


if __name__ == "__main__":
    main()
