# expect: TVL002
# style: DCGAN-style training loop with separate D/G step functions
# bug: `sample_fakes` detaches the generator output (meant for the D step) but the G step reuses it, so the generator loss has no path to the generator
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

Z = 64


class G(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(Z, 256), nn.LeakyReLU(0.2), nn.Linear(256, 784), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class D(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(784, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))

    def forward(self, x):
        return self.net(x)


def sample_fakes(gen, n, device):
    z = torch.randn(n, Z, device=device)
    return gen(z).detach()


def d_step(disc, opt_d, real, fake):
    opt_d.zero_grad()
    lr_ = disc(real)
    lf = disc(fake)
    loss = F.binary_cross_entropy_with_logits(lr_, torch.ones_like(lr_)) + \
        F.binary_cross_entropy_with_logits(lf, torch.zeros_like(lf))
    loss.backward()
    opt_d.step()
    return loss.item()


def g_step(disc, opt_g, fake):
    opt_g.zero_grad()
    out = disc(fake)
    loss = F.binary_cross_entropy_with_logits(out, torch.ones_like(out))
    loss.backward()
    opt_g.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--bs", type=int, default=128)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = torch.rand(4096, 784) * 2 - 1
    loader = DataLoader(TensorDataset(data), batch_size=args.bs, shuffle=True, drop_last=True)
    gen, disc = G().to(device), D().to(device)
    opt_g = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(disc.parameters(), lr=2e-4, betas=(0.5, 0.999))
    for epoch in range(args.epochs):
        for i, (real,) in enumerate(loader):
            real = real.to(device)
            fake = sample_fakes(gen, real.size(0), device)
            ld = d_step(disc, opt_d, real, fake)
            lg = g_step(disc, opt_g, fake)
            if i % 50 == 0:
                print(f"ep {epoch} it {i} D {ld:.3f} G {lg:.3f}")


if __name__ == "__main__":
    main()
