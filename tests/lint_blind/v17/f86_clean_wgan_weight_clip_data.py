# expect: clean
# style: WGAN (weight clipping) on 1-D time-series windows, original-paper style training loop
# note: p.data.clamp_() and fake.detach() appear, but .data is only used for the Lipschitz weight clipping after the critic step and detach() only for critic updates; the generator loss is computed from a non-detached G(z), so G is trained.
import argparse
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Gen(nn.Module):
    def __init__(self, z=32, L=64):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(z, 128), nn.ReLU(), nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, L))

    def forward(self, z):
        return self.net(z)


class Critic(nn.Module):
    def __init__(self, L=64):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(L, 256), nn.LeakyReLU(0.2), nn.Linear(256, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def sine_windows(n, L=64):
    t = torch.linspace(0, 2 * math.pi, L)
    freq = torch.rand(n, 1) * 3 + 1
    phase = torch.rand(n, 1) * 2 * math.pi
    return torch.sin(freq * t + phase) + 0.05 * torch.randn(n, L)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--n-critic", type=int, default=5)
    ap.add_argument("--clip", type=float, default=0.01)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--zdim", type=int, default=32)
    args = ap.parse_args()
    loader = DataLoader(TensorDataset(sine_windows(20000)), batch_size=64, shuffle=True, drop_last=True)
    G, D = Gen(args.zdim), Critic()
    opt_g = torch.optim.RMSprop(G.parameters(), lr=args.lr)
    opt_d = torch.optim.RMSprop(D.parameters(), lr=args.lr)
    gen_iters = 0
    for epoch in range(args.epochs):
        G.train(); D.train()
        d_hist, g_hist = [], []
        for i, (real,) in enumerate(loader):
            z = torch.randn(real.size(0), args.zdim)
            fake = G(z).detach()
            loss_d = D(fake).mean() - D(real).mean()
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
            for p in D.parameters():
                p.data.clamp_(-args.clip, args.clip)
            d_hist.append(-loss_d.item())

            if i % args.n_critic == 0:
                z = torch.randn(real.size(0), args.zdim)
                loss_g = -D(G(z)).mean()
                opt_g.zero_grad()
                loss_g.backward()
                opt_g.step()
                g_hist.append(loss_g.item())
                gen_iters += 1
        print(f"epoch {epoch} W-estimate {sum(d_hist) / len(d_hist):.4f} G {sum(g_hist) / len(g_hist):.4f} "
              f"gen_iters {gen_iters}")
    torch.save({"G": G.state_dict(), "D": D.state_dict()}, "wgan_sine.pt")


if __name__ == "__main__":
    main()
