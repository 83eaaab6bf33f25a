# expect: clean
# style: DCGAN training loop with separate G/D optimizers and helper step functions
# note: the generator output is .detach()ed before the discriminator update (looks like cutting the graph) — that is intentional so the D step does not backprop into G; the G step uses the non-detached fake, and the two optimizers cover disjoint parameter sets
import argparse
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

NZ = 64


class Generator(nn.Module):
    def __init__(self, ngf=64):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(NZ, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh(),
        )

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf=64):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 4), nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False),
        )

    def forward(self, x):
        return self.main(x).view(-1)


def weights_init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def d_step(netD, optD, real, fake, criterion):
    optD.zero_grad()
    out_real = netD(real)
    out_fake = netD(fake.detach())
    loss = criterion(out_real, torch.full_like(out_real, 0.9)) + criterion(out_fake, torch.zeros_like(out_fake))
    loss.backward()
    optD.step()
    return loss.item(), torch.sigmoid(out_real).mean().item()


def g_step(netD, optG, fake, criterion):
    optG.zero_grad()
    out = netD(fake)
    loss = criterion(out, torch.ones_like(out))
    loss.backward()
    optG.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--outf", default="dcgan_out")
    args = ap.parse_args()
    os.makedirs(args.outf, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(999)

    data = torch.rand(8000, 3, 32, 32) * 2 - 1
    loader = DataLoader(TensorDataset(data), batch_size=128, shuffle=True, drop_last=True, num_workers=2)
    netG, netD = Generator().to(device), Discriminator().to(device)
    netG.apply(weights_init)
    netD.apply(weights_init)
    criterion = nn.BCEWithLogitsLoss()
    optD = torch.optim.Adam(netD.parameters(), lr=args.lr, betas=(0.5, 0.999))
    optG = torch.optim.Adam(netG.parameters(), lr=args.lr, betas=(0.5, 0.999))
    fixed_noise = torch.randn(64, NZ, 1, 1, device=device)

    for epoch in range(args.epochs):
        netG.train()
        netD.train()
        for i, (real,) in enumerate(loader):
            real = real.to(device)
            fake = netG(torch.randn(real.size(0), NZ, 1, 1, device=device))
            errD, d_x = d_step(netD, optD, real, fake, criterion)
            errG = g_step(netD, optG, fake, criterion)
            if i % 20 == 0:
                print(f"[{epoch}/{args.epochs}][{i}/{len(loader)}] Loss_D {errD:.4f} Loss_G {errG:.4f} D(x) {d_x:.4f}")
        netG.eval()
        with torch.no_grad():
            samples = netG(fixed_noise).cpu()
        torch.save(samples, os.path.join(args.outf, f"samples_epoch_{epoch:03d}.pt"))
        torch.save({"G": netG.state_dict(), "D": netD.state_dict()}, os.path.join(args.outf, "dcgan.pt"))


if __name__ == "__main__":
    main()
