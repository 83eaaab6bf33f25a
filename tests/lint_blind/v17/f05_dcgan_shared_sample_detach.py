# expect: TVL002
# style: DCGAN research script with helper functions, MNIST-sized synthetic images
# bug: sample_fake() detaches the generator output and is used for both the discriminator and the generator step, so the generator loss only back-propagates into D and opt_g never receives gradients.
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
        return self.main(z.view(z.size(0), -1, 1, 1))


class Discriminator(nn.Module):
    def __init__(self, ndf=32):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * 2), nn.LeakyReLU(0.2, True),
            nn.Flatten(), nn.Linear(ndf * 2 * 7 * 7, 1),
        )

    def forward(self, x):
        return self.main(x).view(-1)


def weights_init(m):
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(m.weight, 0.0, 0.02)
    elif isinstance(m, nn.BatchNorm2d):
        nn.init.normal_(m.weight, 1.0, 0.02)
        nn.init.zeros_(m.bias)


def sample_fake(netG, batch_size, nz, device):
    z = torch.randn(batch_size, nz, device=device)
    return netG(z).detach()


def d_step(netD, opt_d, criterion, real, fake):
    opt_d.zero_grad()
    ones = torch.ones(real.size(0), device=real.device)
    zeros = torch.zeros(fake.size(0), device=real.device)
    loss = criterion(netD(real), ones) + criterion(netD(fake), zeros)
    loss.backward()
    opt_d.step()
    return loss.item()


def g_step(netD, opt_g, criterion, fake):
    opt_g.zero_grad()
    ones = torch.ones(fake.size(0), device=fake.device)
    loss = criterion(netD(fake), ones)
    loss.backward()
    opt_g.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nz", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--outdir", default="samples")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    os.makedirs(args.outdir, exist_ok=True)

    data = torch.rand(6000, 1, 28, 28) * 2 - 1
    loader = DataLoader(TensorDataset(data), batch_size=args.batch_size, shuffle=True, drop_last=True)

    netG, netD = Generator(args.nz).to(device), Discriminator().to(device)
    netG.apply(weights_init); netD.apply(weights_init)
    opt_g = torch.optim.Adam(netG.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(netD.parameters(), lr=args.lr, betas=(0.5, 0.999))
    criterion = nn.BCEWithLogitsLoss()
    fixed_z = torch.randn(64, args.nz, device=device)

    for epoch in range(args.epochs):
        d_hist, g_hist = [], []
        for i, (real,) in enumerate(loader):
            real = real.to(device)
            fake = sample_fake(netG, real.size(0), args.nz, device)
            d_hist.append(d_step(netD, opt_d, criterion, real, fake))
            fake = sample_fake(netG, real.size(0), args.nz, device)
            g_hist.append(g_step(netD, opt_g, criterion, fake))
        print(f"[{epoch}] loss_D {sum(d_hist) / len(d_hist):.3f} loss_G {sum(g_hist) / len(g_hist):.3f}")
        with torch.no_grad():
            netG.eval()
            grid = netG(fixed_z).cpu()
            netG.train()
        torch.save(grid, os.path.join(args.outdir, f"fake_{epoch:03d}.pt"))
    torch.save({"G": netG.state_dict(), "D": netD.state_dict()}, os.path.join(args.outdir, "dcgan.pt"))


if __name__ == "__main__":
    main()
