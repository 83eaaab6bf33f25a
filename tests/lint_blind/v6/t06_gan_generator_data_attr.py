# expect: TVL002
# style: DCGAN-style Trainer class, generative model on synthetic images
# bug: _disc_score() reads fake.data before calling the discriminator, and generator_step uses it, so the generator loss is cut from the generator.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Generator(nn.Module):
    def __init__(self, z_dim=64, ch=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.ConvTranspose2d(z_dim, ch * 4, 4, 1, 0), nn.BatchNorm2d(ch * 4), nn.ReLU(True),
            nn.ConvTranspose2d(ch * 4, ch * 2, 4, 2, 1), nn.BatchNorm2d(ch * 2), nn.ReLU(True),
            nn.ConvTranspose2d(ch * 2, 1, 4, 2, 1), nn.Tanh(),
        )

    def forward(self, z):
        return self.net(z.view(z.size(0), -1, 1, 1))


class Discriminator(nn.Module):
    def __init__(self, ch=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, ch, 4, 2, 1), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ch, ch * 2, 4, 2, 1), nn.BatchNorm2d(ch * 2), nn.LeakyReLU(0.2, True),
            nn.Conv2d(ch * 2, 1, 4, 1, 0),
        )

    def forward(self, x):
        return self.net(x).view(-1)


class GANTrainer:
    def __init__(self, z_dim=64, lr=2e-4):
        self.z_dim = z_dim
        self.G = Generator(z_dim)
        self.D = Discriminator()
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=lr, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=lr, betas=(0.5, 0.999))

    def _disc_score(self, images):
        # the discriminator only needs pixel values
        return self.D(images.data)

    def discriminator_step(self, real):
        z = torch.randn(real.size(0), self.z_dim)
        fake = self.G(z).detach()
        d_real = self.D(real)
        d_fake = self.D(fake)
        loss = F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real)) + \
            F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        self.opt_d.zero_grad()
        loss.backward()
        self.opt_d.step()
        return loss.item()

    @staticmethod
    def _set_requires_grad(module, flag):
        for p in module.parameters():
            p.requires_grad_(flag)

    def generator_step(self, batch_size):
        self._set_requires_grad(self.D, False)
        z = torch.randn(batch_size, self.z_dim)
        fake = self.G(z)
        d_out = self._disc_score(fake)
        loss = F.binary_cross_entropy_with_logits(d_out, torch.ones_like(d_out))
        self.opt_g.zero_grad()
        loss.backward()
        self.opt_g.step()
        self._set_requires_grad(self.D, True)
        return loss.item()

    def train(self, data, iters=1000, batch_size=64):
        self.G.train(); self.D.train()
        for it in range(iters):
            idx = torch.randint(0, data.size(0), (batch_size,))
            real = data[idx]
            ld = self.discriminator_step(real)
            lg = self.generator_step(batch_size)
            if it % 100 == 0:
                print(f"iter {it}: D {ld:.3f} G {lg:.3f}")


if __name__ == "__main__":
    fake_mnist = torch.rand(4096, 1, 16, 16) * 2 - 1
    GANTrainer().train(fake_mnist, iters=500)
