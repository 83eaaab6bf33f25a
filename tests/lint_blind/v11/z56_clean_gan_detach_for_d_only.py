# expect: clean
# style: WGAN-GP-ish training with separate critic/generator steps in a GANTrainer class
# note: the fake batch is detached for the critic update, but the generator step recomputes fakes with gradients, so the generator loss still reaches the generator
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

Z_DIM = 32


class Gen(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(Z_DIM, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2))

    def forward(self, z):
        return self.net(z)


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 128), nn.LeakyReLU(0.2), nn.Linear(128, 128), nn.LeakyReLU(0.2), nn.Linear(128, 1))

    def forward(self, x):
        return self.net(x)


class GANTrainer:
    def __init__(self, n_critic=5, gp_weight=10.0, lr=1e-4):
        self.G, self.D = Gen(), Critic()
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=lr, betas=(0.5, 0.9))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=lr, betas=(0.5, 0.9))
        self.n_critic, self.gp_weight = n_critic, gp_weight
        self.it = 0

    def gradient_penalty(self, real, fake):
        eps = torch.rand(real.size(0), 1)
        mix = (eps * real + (1 - eps) * fake).requires_grad_(True)
        grad = torch.autograd.grad(self.D(mix).sum(), mix, create_graph=True)[0]
        return ((grad.norm(2, dim=1) - 1) ** 2).mean()

    def critic_step(self, real):
        fake = self.G(torch.randn(real.size(0), Z_DIM)).detach()
        loss = self.D(fake).mean() - self.D(real).mean() + self.gp_weight * self.gradient_penalty(real, fake)
        self.opt_d.zero_grad()
        loss.backward()
        self.opt_d.step()
        return loss.item()

    def generator_step(self, n):
        fake = self.G(torch.randn(n, Z_DIM))
        loss = -self.D(fake).mean()
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()
        return loss.item()

    def fit(self, loader, epochs):
        for ep in range(epochs):
            self.G.train(); self.D.train()
            g_loss = float("nan")
            for (real,) in loader:
                d_loss = self.critic_step(real)
                self.it += 1
                if self.it % self.n_critic == 0:
                    g_loss = self.generator_step(real.size(0))
            print(f"epoch {ep} critic {d_loss:.4f} gen {g_loss:.4f}")


if __name__ == "__main__":
    centers = torch.tensor([[2.0, 0], [-2, 0], [0, 2], [0, -2]])
    data = centers[torch.randint(0, 4, (20000,))] + 0.1 * torch.randn(20000, 2)
    GANTrainer().fit(DataLoader(TensorDataset(data), batch_size=256, shuffle=True, drop_last=True), epochs=20)
