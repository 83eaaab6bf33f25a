# expect: TVL013
# style: GAN training loop (DCGAN-like), spectral-norm discriminator built by a helper that attaches DiffAugment as a forward pre-hook
# bug: d_step/g_step call netD.forward(...) instead of netD(...), so the DiffAugment pre-hook that build_discriminator registered on D never runs and the small-data GAN trains without augmentation
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm
from torch.utils.data import DataLoader, TensorDataset


def diff_augment(x, translate=0.125):
    """Cheap DiffAugment: random brightness + translation, applied to every image D sees."""
    x = x + (torch.rand(x.size(0), 1, 1, 1, device=x.device) - 0.5)
    shift = int(x.size(-1) * translate)
    dx, dy = torch.randint(-shift, shift + 1, (2,)).tolist()
    return torch.roll(x, shifts=(dx, dy), dims=(2, 3))


def build_discriminator(nc=3, ndf=64, augment=True):
    netD = nn.Sequential(
        spectral_norm(nn.Conv2d(nc, ndf, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
        spectral_norm(nn.Conv2d(ndf, ndf * 2, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
        spectral_norm(nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1)), nn.LeakyReLU(0.2, inplace=True),
        spectral_norm(nn.Conv2d(ndf * 4, 1, 4, 1, 0)), nn.Flatten())
    if augment:
        netD.register_forward_pre_hook(lambda mod, inp: (diff_augment(inp[0]),))
    return netD


class Generator(nn.Module):
    def __init__(self, nz=100, ngf=64, nc=3):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh())

    def forward(self, z):
        return self.main(z)


def d_step(netD, netG, optD, real, nz):
    optD.zero_grad()
    z = torch.randn(real.size(0), nz, 1, 1, device=real.device)
    fake = netG(z).detach()
    loss_d = F.relu(1 - netD.forward(real)).mean() + F.relu(1 + netD.forward(fake)).mean()
    loss_d.backward()
    optD.step()
    return loss_d.item()


def g_step(netD, netG, optG, batch_size, nz, device):
    optG.zero_grad()
    z = torch.randn(batch_size, nz, 1, 1, device=device)
    loss_g = -netD.forward(netG(z)).mean()
    loss_g.backward()
    optG.step()
    return loss_g.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--nz", type=int, default=100)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--outf", default="dcgan_out")
    args = ap.parse_args()
    os.makedirs(args.outf, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    data = torch.rand(6000, 3, 32, 32) * 2 - 1
    loader = DataLoader(TensorDataset(data), batch_size=64, shuffle=True, drop_last=True, num_workers=2)
    netG, netD = Generator(args.nz).to(device), build_discriminator().to(device)
    optD = torch.optim.Adam(netD.parameters(), lr=args.lr * 2, betas=(0.0, 0.9))
    optG = torch.optim.Adam(netG.parameters(), lr=args.lr, betas=(0.0, 0.9))
    fixed_noise = torch.randn(64, args.nz, 1, 1, device=device)

    for epoch in range(args.epochs):
        netG.train()
        for i, (real,) in enumerate(loader):
            real = real.to(device)
            ld = d_step(netD, netG, optD, real, args.nz)
            for p in netD.parameters():
                p.requires_grad_(False)
            lg = g_step(netD, netG, optG, real.size(0), args.nz, device)
            for p in netD.parameters():
                p.requires_grad_(True)
            if i % 50 == 0:
                print(f"[{epoch}/{args.epochs}][{i}/{len(loader)}] Loss_D: {ld:.4f} Loss_G: {lg:.4f}")
        netG.eval()
        with torch.no_grad():
            samples = netG(fixed_noise).cpu()
        netG.train()
        torch.save({"G": netG.state_dict(), "D": netD.state_dict(), "samples": samples},
                   os.path.join(args.outf, f"epoch_{epoch:03d}.pt"))


if __name__ == "__main__":
    main()
