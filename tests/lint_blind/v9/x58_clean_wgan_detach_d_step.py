# expect: clean
# style: WGAN-GP training script with separate D/G steps (generative, tabular synthesis)
# note: fake samples are detached only for the critic step; the generator step regenerates them without detach, and .item() is used only for logging.
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def block(i, o):
    return [nn.Linear(i, o), nn.LeakyReLU(0.2)]


class Generator(nn.Module):
    def __init__(self, z_dim, d_out):
        super().__init__()
        self.net = nn.Sequential(*block(z_dim, 128), *block(128, 256), nn.Linear(256, d_out))

    def forward(self, z):
        return self.net(z)


class Critic(nn.Module):
    def __init__(self, d_in):
        super().__init__()
        self.net = nn.Sequential(*block(d_in, 256), *block(256, 128), nn.Linear(128, 1))

    def forward(self, x):
        return self.net(x)


def gradient_penalty(critic, real, fake):
    eps = torch.rand(real.size(0), 1)
    mix = (eps * real + (1 - eps) * fake).requires_grad_(True)
    grad = torch.autograd.grad(critic(mix).sum(), mix, create_graph=True)[0]
    return ((grad.norm(2, dim=1) - 1) ** 2).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--z", type=int, default=32)
    ap.add_argument("--n-critic", type=int, default=5)
    ap.add_argument("--gp", type=float, default=10.0)
    ap.add_argument("--epochs", type=int, default=30)
    args = ap.parse_args()

    real_data = torch.from_numpy(np.random.multivariate_normal(np.zeros(12), np.eye(12) * 0.5 + 0.5, 20000).astype(np.float32))
    dl = DataLoader(TensorDataset(real_data), batch_size=256, shuffle=True, drop_last=True)
    G, D = Generator(args.z, 12), Critic(12)
    optG = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.9))
    optD = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.9))

    for epoch in range(args.epochs):
        G.train()
        D.train()
        d_hist, g_hist = [], []
        for i, (real,) in enumerate(dl):
            z = torch.randn(real.size(0), args.z)
            fake = G(z).detach()
            d_loss = D(fake).mean() - D(real).mean() + args.gp * gradient_penalty(D, real, fake)
            optD.zero_grad()
            d_loss.backward()
            optD.step()
            d_hist.append(d_loss.item())

            if i % args.n_critic == 0:
                z = torch.randn(real.size(0), args.z)
                g_loss = -D(G(z)).mean()
                optG.zero_grad()
                g_loss.backward()
                optG.step()
                g_hist.append(g_loss.item())
        with torch.no_grad():
            sample = G(torch.randn(5000, args.z)).numpy()
        corr_err = np.abs(np.corrcoef(sample.T) - np.corrcoef(real_data.numpy().T)).mean()
        print(f"epoch {epoch} D {np.mean(d_hist):.4f} G {np.mean(g_hist):.4f} corr_err {corr_err:.4f}")
    torch.save(G.state_dict(), "wgan_gp_G.pt")


if __name__ == "__main__":
    main()
