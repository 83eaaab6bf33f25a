# expect: clean
# style: conditional GAN (cGAN) on tabular/synthetic 2-D data with D and G step functions
# note: `fake.detach()` appears (TVL002 look-alike) but only in the discriminator step; the generator step re-scores the non-detached fake so G gets gradients, and the two optimizers own disjoint parameter sets
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("cgan")


class G(nn.Module):
    def __init__(self, nz=16, n_cls=8, h=128):
        super().__init__()
        self.emb = nn.Embedding(n_cls, 8)
        self.net = nn.Sequential(nn.Linear(nz + 8, h), nn.LeakyReLU(0.2), nn.Linear(h, h), nn.LeakyReLU(0.2), nn.Linear(h, 2))

    def forward(self, z, c):
        return self.net(torch.cat([z, self.emb(c)], 1))


class D(nn.Module):
    def __init__(self, n_cls=8, h=128):
        super().__init__()
        self.emb = nn.Embedding(n_cls, 8)
        self.net = nn.Sequential(nn.Linear(2 + 8, h), nn.LeakyReLU(0.2), nn.Linear(h, h), nn.LeakyReLU(0.2), nn.Linear(h, 1))

    def forward(self, x, c):
        return self.net(torch.cat([x, self.emb(c)], 1)).squeeze(1)


def ring_of_gaussians(n, k=8, r=2.0, std=0.05):
    c = torch.randint(0, k, (n,))
    ang = 2 * math.pi * c.float() / k
    x = torch.stack([r * torch.cos(ang), r * torch.sin(ang)], 1) + std * torch.randn(n, 2)
    return x, c


def d_step(netD, netG, real, cls, opt_d, nz):
    z = torch.randn(real.size(0), nz, device=real.device)
    fake = netG(z, cls)
    d_real = netD(real, cls)
    d_fake = netD(fake.detach(), cls)
    loss = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()
    return loss.item(), fake


def g_step(netD, fake, cls, opt_g):
    loss = F.softplus(-netD(fake, cls)).mean()
    opt_g.zero_grad()
    loss.backward()
    opt_g.step()
    return loss.item()


@torch.no_grad()
def mode_coverage(netG, nz, device, k=8, n=4000):
    netG.eval()
    c = torch.randint(0, k, (n,), device=device)
    x = netG(torch.randn(n, nz, device=device), c).cpu()
    netG.train()
    ang = torch.atan2(x[:, 1], x[:, 0]) % (2 * math.pi)
    mode = torch.round(ang / (2 * math.pi / k)).long() % k
    return (mode == c.cpu()).float().mean().item()


def save_samples(netG, nz, device, path, per_class=200, k=8):
    netG.eval()
    with torch.no_grad():
        c = torch.arange(k, device=device).repeat_interleave(per_class)
        pts = netG(torch.randn(len(c), nz, device=device), c).cpu()
    netG.train()
    torch.save({"points": pts, "labels": c.cpu()}, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--nz", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x, c = ring_of_gaussians(50000)
    loader = DataLoader(TensorDataset(x, c), batch_size=256, shuffle=True, drop_last=True)
    netG, netD = G(args.nz).to(device), D().to(device)
    opt_g = torch.optim.Adam(netG.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(netD.parameters(), lr=args.lr, betas=(0.5, 0.999))
    for epoch in range(args.epochs):
        dl = gl = 0.0
        for real, cls in loader:
            real, cls = real.to(device), cls.to(device)
            ld, fake = d_step(netD, netG, real, cls, opt_d, args.nz)
            lg = g_step(netD, fake, cls, opt_g)
            dl += ld
            gl += lg
        cov = mode_coverage(netG, args.nz, device)
        log.info("epoch %d D %.4f G %.4f class-consistency %.3f", epoch, dl / len(loader), gl / len(loader), cov)
        if epoch % 10 == 0:
            save_samples(netG, args.nz, device, f"cgan_samples_{epoch:03d}.pt")
    torch.save({"G": netG.state_dict(), "D": netD.state_dict()}, "cgan_ring.pt")


if __name__ == "__main__":
    main()
