# expect: clean
# style: WGAN-GP-style research script with separate d_step/g_step helpers, 1-D signal generation
# note: fake.detach() appears in the critic step, which looks like TVL002, but the generator step draws its own fake batch without detaching, so the generator loss still reaches the generator.
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Gen(nn.Module):
    def __init__(self, nz=32, L=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(nz, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, L), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class Critic(nn.Module):
    def __init__(self, L=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(L, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256), nn.LeakyReLU(0.2),
                                 nn.Linear(256, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def gradient_penalty(critic, real, fake):
    eps = torch.rand(real.size(0), 1)
    mix = (eps * real + (1 - eps) * fake).requires_grad_(True)
    grad = torch.autograd.grad(critic(mix).sum(), mix, create_graph=True)[0]
    return ((grad.norm(2, dim=1) - 1) ** 2).mean()


def d_step(G, D, optD, real, nz, lam):
    z = torch.randn(real.size(0), nz)
    fake = G(z).detach()
    loss = D(fake).mean() - D(real).mean() + lam * gradient_penalty(D, real, fake)
    optD.zero_grad()
    loss.backward()
    optD.step()
    return loss.item()


def g_step(G, D, optG, batch_size, nz):
    z = torch.randn(batch_size, nz)
    loss = -D(G(z)).mean()
    optG.zero_grad()
    loss.backward()
    optG.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--n-critic", type=int, default=5)
    ap.add_argument("--nz", type=int, default=32)
    ap.add_argument("--lam", type=float, default=10.0)
    args = ap.parse_args()
    t = torch.linspace(0, 6.28, 128)
    freq = torch.rand(6000, 1) * 3 + 1
    signals = torch.sin(freq * t) * (0.5 + 0.5 * torch.rand(6000, 1))
    loader = DataLoader(TensorDataset(signals), batch_size=64, shuffle=True, drop_last=True)
    G, D = Gen(args.nz), Critic()
    optG = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.0, 0.9))
    optD = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.0, 0.9))
    G.train()
    D.train()
    for epoch in range(args.epochs):
        for i, (real,) in enumerate(loader):
            ld = d_step(G, D, optD, real, args.nz, args.lam)
            if i % args.n_critic == 0:
                lg = g_step(G, D, optG, real.size(0), args.nz)
        print(f"epoch {epoch}: critic {ld:.3f} gen {lg:.3f}")
    torch.save(G.state_dict(), "wgan_gp_gen.pt")


if __name__ == "__main__":
    main()
