# expect: TVL002
# style: DCGAN-style training with helper functions, MNIST-sized synthetic images
# bug: sample_fake() returns generator output already .detach()ed and the same tensor is reused for the generator step, so G's adversarial loss has no path back to G
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

LATENT = 64


class Generator(nn.Module):
    def __init__(self, nz=LATENT, ngf=32):
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


def sample_fake(G, batch_size, device):
    z = torch.randn(batch_size, LATENT, device=device)
    # D update must not push gradients into G
    return G(z).detach()


def d_step(D, opt_d, real, fake, criterion):
    opt_d.zero_grad()
    ones = torch.ones(real.size(0), device=real.device)
    zeros = torch.zeros(fake.size(0), device=real.device)
    loss = criterion(D(real), ones) + criterion(D(fake), zeros)
    loss.backward()
    opt_d.step()
    return loss.item()


def g_step(D, opt_g, fake, criterion):
    opt_g.zero_grad()
    target = torch.ones(fake.size(0), device=fake.device)
    loss = criterion(D(fake), target)
    loss.backward()
    opt_g.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-4)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    images = torch.rand(6000, 1, 28, 28) * 2 - 1
    loader = DataLoader(TensorDataset(images), batch_size=args.batch_size, shuffle=True, drop_last=True)

    G, D = Generator().to(device), Discriminator().to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=args.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=args.lr, betas=(0.5, 0.999))
    criterion = nn.BCEWithLogitsLoss()
    fixed_z = torch.randn(64, LATENT, device=device)

    for epoch in range(args.epochs):
        G.train()
        D.train()
        d_sum = g_sum = 0.0
        for i, (real,) in enumerate(loader):
            real = real.to(device)
            fake = sample_fake(G, real.size(0), device)
            d_sum += d_step(D, opt_d, real, fake, criterion)
            g_sum += g_step(D, opt_g, fake, criterion)
            if i % 20 == 0:
                print(f"[{epoch}/{args.epochs}][{i}/{len(loader)}] D {d_sum / (i + 1):.3f} G {g_sum / (i + 1):.3f}")
        G.eval()
        with torch.no_grad():
            samples = G(fixed_z).cpu()
        torch.save(samples, f"samples_epoch{epoch:03d}.pt")
        torch.save({"G": G.state_dict(), "D": D.state_dict()}, "dcgan_last.pt")


if __name__ == "__main__":
    main()
