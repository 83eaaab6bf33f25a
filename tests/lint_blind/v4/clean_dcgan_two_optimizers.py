# expect: clean
# style: PyTorch DCGAN example (netG/netD, two Adam optimizers, fake.detach() for the D step)
# note: disjoint optimizers; D is trained on fake.detach(); G's step uses D's gradients but only optimizerG.step() is applied, and netD grads are zeroed before D's next backward
import argparse

import torch
import torch.nn as nn

nz, ngf, ndf = 100, 64, 64


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 3, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False))

    def forward(self, x):
        return self.main(x).view(-1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--niter", type=int, default=25)
    ap.add_argument("--batchSize", type=int, default=64)
    opt = ap.parse_args()
    netG, netD = Generator(), Discriminator()
    criterion = nn.BCEWithLogitsLoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    dataloader = torch.utils.data.DataLoader(torch.rand(640, 3, 16, 16) * 2 - 1, batch_size=opt.batchSize, shuffle=True)
    for epoch in range(opt.niter):
        for i, real in enumerate(dataloader):
            b = real.size(0)
            netD.zero_grad()
            errD_real = criterion(netD(real), torch.ones(b))
            fake = netG(torch.randn(b, nz, 1, 1))
            errD_fake = criterion(netD(fake.detach()), torch.zeros(b))
            errD = errD_real + errD_fake
            errD.backward()
            optimizerD.step()

            netG.zero_grad()
            errG = criterion(netD(fake), torch.ones(b))
            errG.backward()
            optimizerG.step()
            if i % 5 == 0:
                print(f"[{epoch}/{opt.niter}][{i}/{len(dataloader)}] Loss_D: {errD.item():.4f} Loss_G: {errG.item():.4f}")
