# expect: clean
# style: WGAN-GP training with separate generator/discriminator optimizers, Trainer class, tabular data synthesis
# note: two optimizers, but over disjoint parameter sets (G and D); the generator step backpropagates through D, whose gradients are cleared by optD.zero_grad() before D's own update
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ctgan-lite")


class Generator(nn.Module):
    def __init__(self, z=64, d_out=24):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(z, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, d_out))

    def forward(self, z):
        return self.net(z)


class Critic(nn.Module):
    def __init__(self, d_in=24):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 256), nn.LeakyReLU(0.2), nn.Linear(256, 256), nn.LeakyReLU(0.2),
                                 nn.Linear(256, 1))

    def forward(self, x):
        return self.net(x)


def gradient_penalty(critic, real, fake):
    eps = torch.rand(real.size(0), 1)
    mix = (eps * real + (1 - eps) * fake).requires_grad_(True)
    out = critic(mix)
    grad = torch.autograd.grad(out.sum(), mix, create_graph=True)[0]
    return ((grad.norm(2, dim=1) - 1) ** 2).mean()


class WGANTrainer:
    def __init__(self, args):
        self.args = args
        self.G, self.D = Generator(args.z), Critic()
        self.optG = torch.optim.Adam(self.G.parameters(), lr=args.lr, betas=(0.5, 0.9))
        self.optD = torch.optim.Adam(self.D.parameters(), lr=args.lr, betas=(0.5, 0.9))

    def critic_step(self, real):
        z = torch.randn(real.size(0), self.args.z)
        fake = self.G(z).detach()
        loss = self.D(fake).mean() - self.D(real).mean() + self.args.gp * gradient_penalty(self.D, real, fake)
        self.optD.zero_grad()
        loss.backward()
        self.optD.step()
        return loss.item()

    def generator_step(self, n):
        z = torch.randn(n, self.args.z)
        loss = -self.D(self.G(z)).mean()
        self.optG.zero_grad()
        loss.backward()
        self.optG.step()
        return loss.item()

    def fit(self, loader):
        for epoch in range(self.args.epochs):
            self.G.train()
            self.D.train()
            for i, (real,) in enumerate(loader):
                ld = self.critic_step(real)
                if i % self.args.n_critic == 0:
                    lg = self.generator_step(real.size(0))
            log.info("epoch %d loss_D %.4f loss_G %.4f", epoch, ld, lg)
            torch.save({"G": self.G.state_dict(), "D": self.D.state_dict()}, "wgan_tab.pt")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--z", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--gp", type=float, default=10.0)
    ap.add_argument("--n-critic", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=50)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    data = torch.randn(20000, 24) @ torch.randn(24, 24) * 0.3
    loader = DataLoader(TensorDataset(data), batch_size=256, shuffle=True, drop_last=True)
    WGANTrainer(args).fit(loader)
