# expect: TVL003
# style: GAN research repo with separate step functions, tabular data synthesis (CTGAN-like)
# bug: generator_step() calls d_opt.zero_grad() (copy-paste) instead of g_opt.zero_grad(), so the generator's gradients are never cleared
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def mlp(sizes, act=nn.LeakyReLU(0.2), out_act=None):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(act)
    if out_act is not None:
        layers.append(out_act)
    return nn.Sequential(*layers)


def gradient_penalty(critic, real, fake):
    alpha = torch.rand(real.size(0), 1)
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    score = critic(mixed)
    grads = torch.autograd.grad(score.sum(), mixed, create_graph=True)[0]
    return ((grads.norm(2, dim=1) - 1) ** 2).mean()


def critic_step(G, D, d_opt, real, z_dim, gp_weight):
    z = torch.randn(real.size(0), z_dim)
    with torch.no_grad():
        fake = G(z)
    d_opt.zero_grad()
    loss = D(fake).mean() - D(real).mean() + gp_weight * gradient_penalty(D, real, fake)
    loss.backward()
    d_opt.step()
    return loss.item()


def generator_step(G, D, g_opt, d_opt, batch_size, z_dim):
    z = torch.randn(batch_size, z_dim)
    d_opt.zero_grad()
    loss = -D(G(z)).mean()
    loss.backward()
    g_opt.step()
    return loss.item()


def make_table(n=20000, n_cols=12):
    base = torch.randn(n, 4)
    mix = torch.randn(4, n_cols)
    return torch.tanh(base @ mix + 0.1 * torch.randn(n, n_cols))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--z-dim", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--n-critic", type=int, default=5)
    ap.add_argument("--gp", type=float, default=10.0)
    ap.add_argument("--bs", type=int, default=256)
    args = ap.parse_args()

    data = make_table()
    loader = DataLoader(TensorDataset(data), batch_size=args.bs, shuffle=True, drop_last=True)
    G = mlp([args.z_dim, 128, 128, data.size(1)], out_act=nn.Tanh())
    D = mlp([data.size(1), 128, 128, 1])
    g_opt = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.9))
    d_opt = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.9))

    for epoch in range(args.epochs):
        d_losses, g_losses = [], []
        for i, (real,) in enumerate(loader):
            d_losses.append(critic_step(G, D, d_opt, real, args.z_dim, args.gp))
            if i % args.n_critic == 0:
                g_losses.append(generator_step(G, D, g_opt, d_opt, args.bs, args.z_dim))
        with torch.no_grad():
            synth = G(torch.randn(2000, args.z_dim))
            corr_gap = (torch.corrcoef(synth.T) - torch.corrcoef(data[:2000].T)).abs().mean().item()
        print(f"epoch {epoch}: D {sum(d_losses) / len(d_losses):.3f} "
              f"G {sum(g_losses) / max(len(g_losses), 1):.3f} corr_gap {corr_gap:.4f}")

    torch.save(G.state_dict(), "tabular_gen.pt")


if __name__ == "__main__":
    main()
