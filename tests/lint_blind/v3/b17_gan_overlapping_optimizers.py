# expect: TVL006
# style: DCGAN-style research script with a GAN wrapper module and a build_optimizers() helper (argparse + wandb-less logging)
# bug: build_optimizers gives the generator optimizer gan.parameters() (G and D together), so optD and optG overlap on the discriminator and optG's step also pushes D toward fooling itself
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Generator(nn.Module):
    def __init__(self, nz=64, ngf=32):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, 1, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf=32):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False))

    def forward(self, x):
        return self.main(x).view(-1)


class GAN(nn.Module):
    def __init__(self, nz):
        super().__init__()
        self.netG = Generator(nz)
        self.netD = Discriminator()


def build_optimizers(gan, lr, beta1):
    optD = torch.optim.Adam(gan.netD.parameters(), lr=lr, betas=(beta1, 0.999))
    optG = torch.optim.Adam(gan.parameters(), lr=lr, betas=(beta1, 0.999))
    return optD, optG


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nz", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--beta1", type=float, default=0.5)
    ap.add_argument("--niter", type=int, default=5)
    opt = ap.parse_args()
    gan = GAN(opt.nz)
    optD, optG = build_optimizers(gan, opt.lr, opt.beta1)
    criterion = nn.BCEWithLogitsLoss()
    loader = DataLoader(TensorDataset(torch.rand(1024, 1, 16, 16) * 2 - 1), batch_size=64, shuffle=True)
    for epoch in range(opt.niter):
        for i, (real,) in enumerate(loader):
            b = real.size(0)
            # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
            optD.zero_grad()
            fake = gan.netG(torch.randn(b, opt.nz, 1, 1))
            errD = criterion(gan.netD(real), torch.ones(b)) + criterion(gan.netD(fake.detach()), torch.zeros(b))
            errD.backward()
            optD.step()
            # (2) update G: maximize log(D(G(z)))
            optG.zero_grad()
            errG = criterion(gan.netD(fake), torch.ones(b))
            errG.backward()
            optG.step()
            if i % 10 == 0:
                print(f"[{epoch}/{opt.niter}][{i}/{len(loader)}] Loss_D: {errD.item():.4f} Loss_G: {errG.item():.4f}")


if __name__ == "__main__":
    main()
