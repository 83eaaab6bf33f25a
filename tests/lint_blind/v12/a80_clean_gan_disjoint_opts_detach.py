# expect: clean
# style: WGAN-GP-ish conditional GAN on tabular data (CTGAN-lite), two optimizers built by a helper, D step with fake.detach()
# note: the discriminator step uses fake.detach() and the generator optimizer only covers G while D also receives gradients in the G step; the optimizers are disjoint and D's stray gradients are cleared by opt_d.zero_grad() before every D step
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ctgan")


class Generator(nn.Module):
    def __init__(self, z_dim, cond_dim, out_dim, h=256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(z_dim + cond_dim, h), nn.BatchNorm1d(h), nn.ReLU(),
                                 nn.Linear(h, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Linear(h, out_dim))

    def forward(self, z, c):
        return self.net(torch.cat([z, c], 1))


class Critic(nn.Module):
    def __init__(self, in_dim, cond_dim, h=256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim + cond_dim, h), nn.LeakyReLU(0.2), nn.Dropout(0.5),
                                 nn.Linear(h, h), nn.LeakyReLU(0.2), nn.Dropout(0.5), nn.Linear(h, 1))

    def forward(self, x, c):
        return self.net(torch.cat([x, c], 1)).squeeze(-1)


def gradient_penalty(critic, real, fake, c):
    a = torch.rand(real.size(0), 1)
    mix = (a * real + (1 - a) * fake).requires_grad_(True)
    grads = torch.autograd.grad(critic(mix, c).sum(), mix, create_graph=True)[0]
    return ((grads.norm(2, dim=1) - 1) ** 2).mean()


def make_optimizers(G, D, lr):
    return (torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.9), weight_decay=1e-6),
            torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.9), weight_decay=1e-6))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--z", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--n-critic", type=int, default=5)
    ap.add_argument("--gp", type=float, default=10.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    rows, cond = torch.randn(20000, 24), torch.nn.functional.one_hot(torch.randint(0, 6, (20000,)), 6).float()
    loader = DataLoader(TensorDataset(rows, cond), batch_size=500, shuffle=True, drop_last=True)
    G, D = Generator(args.z, 6, 24), Critic(24, 6)
    opt_g, opt_d = make_optimizers(G, D, args.lr)

    for epoch in range(args.epochs):
        G.train()
        D.train()
        for i, (real, c) in enumerate(loader):
            z = torch.randn(real.size(0), args.z)
            fake = G(z, c)
            opt_d.zero_grad()
            d_loss = D(fake.detach(), c).mean() - D(real, c).mean() + args.gp * gradient_penalty(D, real, fake.detach(), c)
            d_loss.backward()
            opt_d.step()

            if i % args.n_critic == 0:
                opt_g.zero_grad()
                g_loss = -D(G(torch.randn(real.size(0), args.z), c), c).mean()
                g_loss.backward()
                opt_g.step()
        log.info("epoch %d d_loss %.4f g_loss %.4f", epoch, d_loss.item(), g_loss.item())
        if epoch % 10 == 9:
            torch.save({"G": G.state_dict(), "D": D.state_dict()}, f"ctgan_{epoch + 1}.pt")


if __name__ == "__main__":
    main()
