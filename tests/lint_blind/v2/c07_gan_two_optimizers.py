# expect: clean
# style: DCGAN-style training loop (pytorch/examples dcgan, own wording) with separate G/D optimizers
# note: two non-overlapping optimizers, fake.detach() for the D step, each net zeroed before its own backward
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Generator(nn.Module):
    def __init__(self, nz=64, ngf=32):
        super().__init__()
        self.main = nn.Sequential(nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
                                  nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
                                  nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf=32):
        super().__init__()
        self.main = nn.Sequential(nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
                                  nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
                                  nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False))

    def forward(self, x):
        return self.main(x).view(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--niter", type=int, default=5)
    ap.add_argument("--nz", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-4)
    opt = ap.parse_args()
    netG, netD = Generator(opt.nz), Discriminator()
    criterion = nn.BCEWithLogitsLoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=opt.lr, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=opt.lr, betas=(0.5, 0.999))
    loader = DataLoader(TensorDataset(torch.rand(512, 1, 16, 16) * 2 - 1), batch_size=64, shuffle=True)
    for epoch in range(opt.niter):
        netG.train(); netD.train()
        for i, (real,) in enumerate(loader):
            b = real.size(0)
            netD.zero_grad()
            errD_real = criterion(netD(real), torch.ones(b))
            fake = netG(torch.randn(b, opt.nz, 1, 1))
            errD_fake = criterion(netD(fake.detach()), torch.zeros(b))
            (errD_real + errD_fake).backward()
            optimizerD.step()
            netG.zero_grad()
            errG = criterion(netD(fake), torch.ones(b))
            errG.backward()
            optimizerG.step()
            if i % 4 == 0:
                print(f"[{epoch}/{opt.niter}][{i}/{len(loader)}] Loss_D: {(errD_real + errD_fake).item():.4f} Loss_G: {errG.item():.4f}")


if __name__ == "__main__":
    main()
