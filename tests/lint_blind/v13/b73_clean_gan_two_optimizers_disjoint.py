# expect: clean
# style: GAN trainer class with separate D/G steps, conditional generator on tabular data (CTGAN-flavoured)
# note: two optimizers over disjoint parameter sets, each zeroed before its own backward; the generator's fake batch is detached for the D step
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("cgan")
N_COLS, N_COND, Z = 12, 4, 32


class Generator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(Z + N_COND, 256), nn.BatchNorm1d(256), nn.ReLU(),
                                 nn.Linear(256, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, N_COLS))

    def forward(self, z, c):
        return self.net(torch.cat([z, c], 1))


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(N_COLS + N_COND, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3),
                                 nn.Linear(256, 256), nn.LeakyReLU(0.2), nn.Dropout(0.3), nn.Linear(256, 1))

    def forward(self, x, c):
        return self.net(torch.cat([x, c], 1)).squeeze(1)


class CGANTrainer:
    def __init__(self, lr=2e-4):
        self.G, self.D = Generator(), Discriminator()
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=lr, betas=(0.5, 0.9))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=lr, betas=(0.5, 0.9))

    def d_step(self, real, cond):
        z = torch.randn(real.size(0), Z)
        fake = self.G(z, cond).detach()
        d_real, d_fake = self.D(real, cond), self.D(fake, cond)
        loss = F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real)) + \
            F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        self.opt_d.zero_grad()
        loss.backward()
        self.opt_d.step()
        return loss.item()

    def g_step(self, cond):
        z = torch.randn(cond.size(0), Z)
        d_out = self.D(self.G(z, cond), cond)
        loss = F.binary_cross_entropy_with_logits(d_out, torch.ones_like(d_out))
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()
        return loss.item()

    def fit(self, loader, epochs):
        for ep in range(epochs):
            self.G.train()
            self.D.train()
            ld = lg = 0.0
            for real, cond in loader:
                ld += self.d_step(real, cond)
                lg += self.g_step(cond)
            log.info("epoch %d D %.4f G %.4f", ep, ld / len(loader), lg / len(loader))

    @torch.no_grad()
    def sample(self, cond):
        self.G.eval()
        out = self.G(torch.randn(cond.size(0), Z), cond)
        self.G.train()
        return out


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cond = F.one_hot(torch.randint(0, N_COND, (10000,)), N_COND).float()
    rows = torch.randn(10000, N_COLS) + cond @ torch.randn(N_COND, N_COLS)
    loader = DataLoader(TensorDataset(rows, cond), batch_size=256, shuffle=True, drop_last=True)
    trainer = CGANTrainer()
    trainer.fit(loader, epochs=20)
    synth = trainer.sample(F.one_hot(torch.full((500,), 2), N_COND).float())
    torch.save({"G": trainer.G.state_dict(), "D": trainer.D.state_dict(), "synthetic": synth}, "cgan.pt")
