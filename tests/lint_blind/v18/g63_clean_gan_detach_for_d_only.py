# expect: clean
# style: DCGAN-style training loop (image GAN on synthetic 32x32 shapes), classic two-step update
# note: fake.detach() appears in the loop, which looks like TVL002, but it is only used for the discriminator step; the generator step re-scores the non-detached fake so G receives gradients.
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--nz", type=int, default=64)
parser.add_argument("--ngf", type=int, default=32)
parser.add_argument("--ndf", type=int, default=32)
parser.add_argument("--epochs", type=int, default=10)
parser.add_argument("--lr", type=float, default=2e-4)
parser.add_argument("--outf", default="dcgan_out")
opt = parser.parse_args()
os.makedirs(opt.outf, exist_ok=True)


def weights_init(m):
    name = m.__class__.__name__
    if "Conv" in name:
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif "BatchNorm" in name:
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


netG = nn.Sequential(
    nn.ConvTranspose2d(opt.nz, opt.ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(opt.ngf * 4), nn.ReLU(True),
    nn.ConvTranspose2d(opt.ngf * 4, opt.ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(opt.ngf * 2), nn.ReLU(True),
    nn.ConvTranspose2d(opt.ngf * 2, opt.ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(opt.ngf), nn.ReLU(True),
    nn.ConvTranspose2d(opt.ngf, 1, 4, 2, 1, bias=False), nn.Tanh(),
)
netD = nn.Sequential(
    nn.Conv2d(1, opt.ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True),
    nn.Conv2d(opt.ndf, opt.ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(opt.ndf * 2), nn.LeakyReLU(0.2, inplace=True),
    nn.Conv2d(opt.ndf * 2, opt.ndf * 4, 4, 2, 1, bias=False), nn.BatchNorm2d(opt.ndf * 4), nn.LeakyReLU(0.2, inplace=True),
    nn.Conv2d(opt.ndf * 4, 1, 4, 1, 0, bias=False), nn.Flatten(),
)
netG.apply(weights_init)
netD.apply(weights_init)

# synthetic "dataset": filled squares at random positions, scaled to [-1, 1]
imgs = -torch.ones(6000, 1, 32, 32)
pos = torch.randint(0, 20, (6000, 2))
for i in range(6000):
    r, c = pos[i]
    imgs[i, 0, r:r + 12, c:c + 12] = 1.0
dataloader = DataLoader(TensorDataset(imgs), batch_size=64, shuffle=True, drop_last=True)

criterion = nn.BCEWithLogitsLoss()
optimizerD = torch.optim.Adam(netD.parameters(), lr=opt.lr, betas=(0.5, 0.999))
optimizerG = torch.optim.Adam(netG.parameters(), lr=opt.lr, betas=(0.5, 0.999))
fixed_noise = torch.randn(64, opt.nz, 1, 1)

for epoch in range(opt.epochs):
    netG.train()
    netD.train()
    for i, (real,) in enumerate(dataloader):
        b = real.size(0)
        # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        out_real = netD(real).view(-1)
        errD_real = criterion(out_real, torch.ones(b))
        noise = torch.randn(b, opt.nz, 1, 1)
        fake = netG(noise)
        out_fake = netD(fake.detach()).view(-1)
        errD_fake = criterion(out_fake, torch.zeros(b))
        errD = errD_real + errD_fake
        errD.backward()
        optimizerD.step()

        # (2) update G: maximize log(D(G(z)))
        netG.zero_grad()
        out = netD(fake).view(-1)
        errG = criterion(out, torch.ones(b))
        errG.backward()
        optimizerG.step()

        if i % 50 == 0:
            print(f"[{epoch}/{opt.epochs}][{i}/{len(dataloader)}] Loss_D {errD.item():.4f} Loss_G {errG.item():.4f} "
                  f"D(x) {torch.sigmoid(out_real).mean().item():.3f} D(G(z)) {torch.sigmoid(out).mean().item():.3f}")

    netG.eval()
    with torch.no_grad():
        sample = netG(fixed_noise)
    torch.save(sample, os.path.join(opt.outf, f"samples_epoch_{epoch:03d}.pt"))
    torch.save(netG.state_dict(), os.path.join(opt.outf, f"netG_epoch_{epoch}.pth"))
    torch.save(netD.state_dict(), os.path.join(opt.outf, f"netD_epoch_{epoch}.pth"))
