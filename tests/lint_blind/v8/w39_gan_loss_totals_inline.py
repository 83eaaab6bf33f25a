# expect: TVL012
# style: WGAN-GP tabular data synthesizer (CTGAN-lite), inline loop with per-epoch averages
# bug: g_total and d_total accumulate the generator/critic loss tensors (`g_total += g_loss`), keeping every iteration's graph (including the gradient-penalty double-backward graph) alive for the whole epoch
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

ap = argparse.ArgumentParser()
ap.add_argument("--epochs", type=int, default=100)
ap.add_argument("--batch", type=int, default=500)
ap.add_argument("--noise", type=int, default=64)
ap.add_argument("--n-critic", type=int, default=5)
ap.add_argument("--gp", type=float, default=10.0)
args = ap.parse_args()
device = "cuda" if torch.cuda.is_available() else "cpu"

rng = np.random.default_rng(0)
cont = rng.normal(size=(30000, 6)).astype(np.float32)
cat = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 30000)]
table = torch.from_numpy(np.concatenate([cont, cat], axis=1))
loader = DataLoader(TensorDataset(table), batch_size=args.batch, shuffle=True, drop_last=True)
D_DATA = table.size(1)


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(args.noise, 256), nn.BatchNorm1d(256), nn.ReLU(),
                                 nn.Linear(256, 256), nn.BatchNorm1d(256), nn.ReLU(),
                                 nn.Linear(256, D_DATA))

    def forward(self, z):
        out = self.net(z)
        cont_part = torch.tanh(out[:, :6]) * 3
        cat_part = torch.nn.functional.gumbel_softmax(out[:, 6:], tau=0.2, hard=False)
        return torch.cat([cont_part, cat_part], 1)


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(D_DATA, 256), nn.LeakyReLU(0.2), nn.Dropout(0.5),
                                 nn.Linear(256, 256), nn.LeakyReLU(0.2), nn.Dropout(0.5),
                                 nn.Linear(256, 1))

    def forward(self, x):
        return self.net(x)


def gradient_penalty(critic, real, fake):
    alpha = torch.rand(real.size(0), 1, device=real.device)
    interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    grads = torch.autograd.grad(critic(interp).sum(), interp, create_graph=True)[0]
    return ((grads.norm(2, dim=1) - 1) ** 2).mean()


G, C = Generator().to(device), Critic().to(device)
opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.9))
opt_c = torch.optim.Adam(C.parameters(), lr=2e-4, betas=(0.5, 0.9))

for epoch in range(args.epochs):
    G.train()
    C.train()
    g_total, d_total, n_g, n_d = 0.0, 0.0, 0, 0
    for i, (real,) in enumerate(loader):
        real = real.to(device)
        z = torch.randn(real.size(0), args.noise, device=device)
        fake = G(z)
        opt_c.zero_grad()
        d_loss = C(fake.detach()).mean() - C(real).mean() + args.gp * gradient_penalty(C, real, fake.detach())
        d_loss.backward()
        opt_c.step()
        d_total += d_loss
        n_d += 1
        if i % args.n_critic == 0:
            opt_g.zero_grad()
            g_loss = -C(G(torch.randn_like(z))).mean()
            g_loss.backward()
            opt_g.step()
            g_total += g_loss
            n_g += 1
    if epoch % 5 == 0:
        print(f"epoch {epoch:3d}  critic {d_total / n_d:+.4f}  generator {g_total / max(n_g, 1):+.4f}")

G.eval()
with torch.no_grad():
    synth = G(torch.randn(5000, args.noise, device=device)).cpu()
print("synthetic cont means", synth[:, :6].mean(0))
print("synthetic cat freqs", synth[:, 6:].argmax(1).bincount(minlength=4).float() / 5000)
torch.save({"G": G.state_dict(), "C": C.state_dict()}, "wgan_tab.pt")
