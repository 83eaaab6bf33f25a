# expect: clean
# style: pix2pix/CycleGAN-style model class with set_requires_grad, conditional GAN on tabular data (CTGAN-like)
# note: fake samples are .detach()-ed for the discriminator update and each network has its own optimizer; the generator update runs with D's requires_grad switched off, so no computed gradient is left unapplied.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

N_COND, N_FEAT, Z = 5, 20, 32


def set_requires_grad(nets, flag):
    for net in nets if isinstance(nets, (list, tuple)) else [nets]:
        for p in net.parameters():
            p.requires_grad = flag


class CondGenerator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(Z + N_COND, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128),
                                 nn.LeakyReLU(0.2), nn.Linear(128, N_FEAT))

    def forward(self, z, c):
        return self.net(torch.cat([z, c], dim=1))


class CondCritic(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(N_FEAT + N_COND, 128), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                                 nn.Linear(128, 1))

    def forward(self, x, c):
        return self.net(torch.cat([x, c], dim=1)).squeeze(-1)


class TabularGAN:
    def __init__(self, lr=2e-4):
        self.G, self.D = CondGenerator(), CondCritic()
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=lr, betas=(0.5, 0.9))
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=lr, betas=(0.5, 0.9))

    def optimize(self, real, cond):
        z = torch.randn(real.size(0), Z)
        fake = self.G(z, cond)

        set_requires_grad(self.D, True)
        self.opt_D.zero_grad()
        d_real, d_fake = self.D(real, cond), self.D(fake.detach(), cond)
        loss_D = F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real)) + \
            F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        loss_D.backward()
        self.opt_D.step()

        set_requires_grad(self.D, False)
        self.opt_G.zero_grad()
        d_gen = self.D(fake, cond)
        loss_G = F.binary_cross_entropy_with_logits(d_gen, torch.ones_like(d_gen))
        loss_G.backward()
        self.opt_G.step()
        return loss_D.item(), loss_G.item()


if __name__ == "__main__":
    cond = F.one_hot(torch.randint(0, N_COND, (10000,)), N_COND).float()
    rows = torch.randn(10000, N_FEAT) + cond @ torch.randn(N_COND, N_FEAT)
    loader = DataLoader(TensorDataset(rows, cond), batch_size=256, shuffle=True, drop_last=True)
    gan = TabularGAN()
    for epoch in range(30):
        gan.G.train(); gan.D.train()
        ld = lg = 0.0
        for real, c in loader:
            a, b = gan.optimize(real, c)
            ld += a; lg += b
        print(f"epoch {epoch} D {ld / len(loader):.3f} G {lg / len(loader):.3f}")
