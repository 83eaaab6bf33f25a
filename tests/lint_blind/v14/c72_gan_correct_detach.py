# expect: clean
# style: conditional GAN training functions for 1-D signal synthesis, separate D/G step functions
# note: fake samples are .detach()ed and there are two optimizers, but detach is used only in the discriminator step; the generator step re-runs D on the non-detached fakes, and each optimizer zeroes its own gradients
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("cgan")
Z, N_CLASSES, LEN = 32, 4, 128


class Gen(nn.Module):
    def __init__(self):
        super().__init__()
        self.label = nn.Embedding(N_CLASSES, 16)
        self.net = nn.Sequential(nn.Linear(Z + 16, 256), nn.LeakyReLU(0.2), nn.Linear(256, 512), nn.LeakyReLU(0.2),
                                 nn.Linear(512, LEN), nn.Tanh())

    def forward(self, z, y):
        return self.net(torch.cat([z, self.label(y)], 1))


class Disc(nn.Module):
    def __init__(self):
        super().__init__()
        self.label = nn.Embedding(N_CLASSES, 16)
        self.net = nn.Sequential(nn.Linear(LEN + 16, 512), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                                 nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))

    def forward(self, x, y):
        return self.net(torch.cat([x, self.label(y)], 1)).squeeze(1)


def d_step(G, D, opt_d, real, y):
    z = torch.randn(real.size(0), Z)
    fake = G(z, y)
    opt_d.zero_grad()
    loss = F.binary_cross_entropy_with_logits(D(real, y), torch.full((real.size(0),), 0.9)) + \
        F.binary_cross_entropy_with_logits(D(fake.detach(), y), torch.zeros(real.size(0)))
    loss.backward()
    opt_d.step()
    return loss.item(), fake


def g_step(G, D, opt_g, fake, y):
    opt_g.zero_grad()
    loss = F.binary_cross_entropy_with_logits(D(fake, y), torch.ones(fake.size(0)))
    loss.backward()
    opt_g.step()
    return loss.item()


def make_signals(n=8000):
    t = torch.linspace(0, 1, LEN)
    y = torch.randint(0, N_CLASSES, (n,))
    freq = (y + 1).float()[:, None] * 3
    x = torch.sin(2 * torch.pi * freq * t + torch.rand(n, 1) * 6.28) * 0.8 + 0.05 * torch.randn(n, LEN)
    return TensorDataset(x, y)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(make_signals(), batch_size=128, shuffle=True, drop_last=True)
    G, D = Gen(), Disc()
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    for epoch in range(40):
        G.train()
        D.train()
        dl, gl = 0.0, 0.0
        for real, y in loader:
            d_loss, fake = d_step(G, D, opt_d, real, y)
            gl += g_step(G, D, opt_g, fake, y)
            dl += d_loss
        with torch.no_grad():
            G.eval()
            sample = G(torch.randn(N_CLASSES, Z), torch.arange(N_CLASSES))
            spectrum = torch.fft.rfft(sample).abs().argmax(1)
        log.info("epoch %d D %.3f G %.3f dominant freq per class %s", epoch, dl / len(loader), gl / len(loader),
                 spectrum.tolist())
