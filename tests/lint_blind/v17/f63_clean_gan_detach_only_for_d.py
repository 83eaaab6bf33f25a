# expect: clean
# style: conditional GAN on tabular data (CTGAN-flavoured), d_step/g_step helpers
# note: fake samples are .detach()ed, but only for the discriminator update; the generator step regenerates fakes without detach so G receives gradients, and D's gradients from the G step are cleared by opt_d.zero_grad() before D's next update.
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def make_table(n=20000, seed=0):
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, 3, n)
    a = rng.normal(cls * 2.0, 1.0)
    b = 0.5 * a + rng.normal(0, 0.3, n)
    c = rng.exponential(1 + cls, n)
    x = np.stack([a, b, np.log1p(c)], 1).astype(np.float32)
    return torch.from_numpy((x - x.mean(0)) / x.std(0)), torch.from_numpy(cls)


class Generator(nn.Module):
    def __init__(self, z=32, n_cls=3, d=3, h=128):
        super().__init__()
        self.emb = nn.Embedding(n_cls, 8)
        self.net = nn.Sequential(nn.Linear(z + 8, h), nn.BatchNorm1d(h), nn.ReLU(),
                                 nn.Linear(h, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Linear(h, d))

    def forward(self, z, c):
        return self.net(torch.cat([z, self.emb(c)], 1))


class Discriminator(nn.Module):
    def __init__(self, n_cls=3, d=3, h=128):
        super().__init__()
        self.emb = nn.Embedding(n_cls, 8)
        self.net = nn.Sequential(nn.Linear(d + 8, h), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                                 nn.Linear(h, h), nn.LeakyReLU(0.2), nn.Linear(h, 1))

    def forward(self, x, c):
        return self.net(torch.cat([x, self.emb(c)], 1)).squeeze(1)


def d_step(G, D, opt_d, real, cls, zdim):
    z = torch.randn(real.size(0), zdim)
    fake = G(z, cls).detach()
    loss = F.binary_cross_entropy_with_logits(D(real, cls), torch.full((real.size(0),), 0.9)) + \
        F.binary_cross_entropy_with_logits(D(fake, cls), torch.zeros(real.size(0)))
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()
    return loss.item()


def g_step(G, D, opt_g, cls, zdim):
    z = torch.randn(cls.size(0), zdim)
    fake = G(z, cls)
    loss = F.binary_cross_entropy_with_logits(D(fake, cls), torch.ones(cls.size(0)))
    opt_g.zero_grad()
    loss.backward()
    opt_g.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--zdim", type=int, default=32)
    args = ap.parse_args()
    x, c = make_table()
    loader = DataLoader(TensorDataset(x, c), batch_size=256, shuffle=True, drop_last=True)
    G, D = Generator(args.zdim), Discriminator()
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.9))
    for epoch in range(args.epochs):
        G.train(); D.train()
        dl, gl = [], []
        for real, cls in loader:
            dl.append(d_step(G, D, opt_d, real, cls, args.zdim))
            gl.append(g_step(G, D, opt_g, cls, args.zdim))
        G.eval()
        with torch.no_grad():
            cls = torch.randint(0, 3, (2000,))
            synth = G(torch.randn(2000, args.zdim), cls)
        print(f"epoch {epoch} D {np.mean(dl):.3f} G {np.mean(gl):.3f} "
              f"synth mean {synth.mean(0).numpy().round(2)} real mean {x.mean(0).numpy().round(2)}")
    torch.save({"G": G.state_dict(), "D": D.state_dict()}, "ctgan_lite.pt")


if __name__ == "__main__":
    main()
