# expect: clean
# style: PyTorch DCGAN example (netG/netD, optimizerD/optimizerG, fake.detach() for the D step)
# note: two optimizers over disjoint modules; D step uses fake.detach(); G step zero_grads netG and calls backward through D (D's stale grads are cleared by netD.zero_grad() at the next D step)
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Generator(nn.Module):
    def __init__(self, nz, ngf=64):
        super().__init__()
        self.main = nn.Sequential(nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
                                  nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
                                  nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self, ndf=64):
        super().__init__()
        self.main = nn.Sequential(nn.Conv2d(3, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True),
                                  nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
                                  nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, x):
        return self.main(x).view(-1, 1).squeeze(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--nz", type=int, default=100)
    parser.add_argument("--niter", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.0002)
    parser.add_argument("--beta1", type=float, default=0.5)
    opt = parser.parse_args()
    netG, netD = Generator(opt.nz), Discriminator()
    criterion = nn.BCELoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=opt.lr, betas=(opt.beta1, 0.999))
    dataloader = DataLoader(TensorDataset(torch.rand(1024, 3, 16, 16) * 2 - 1), batch_size=64, shuffle=True)
    for epoch in range(opt.niter):
        for i, (real,) in enumerate(dataloader):
            b = real.size(0)
            netD.zero_grad()
            errD_real = criterion(netD(real), torch.full((b,), 1.0))
            errD_real.backward()
            fake = netG(torch.randn(b, opt.nz, 1, 1))
            errD_fake = criterion(netD(fake.detach()), torch.full((b,), 0.0))
            errD_fake.backward()
            optimizerD.step()

            netG.zero_grad()
            errG = criterion(netD(fake), torch.full((b,), 1.0))
            errG.backward()
            optimizerG.step()
            if i % 10 == 0:
                print(f"[{epoch}/{opt.niter}][{i}/{len(dataloader)}] Loss_D: {(errD_real + errD_fake).item():.4f} Loss_G: {errG.item():.4f}")
