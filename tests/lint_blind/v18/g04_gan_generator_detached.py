# expect: TVL002
# style: DCGAN-style Trainer class with separate D/G update methods, synthetic 2-D data
# bug: sample_fake() returns a detached batch that is cached and reused by generator_step(), so the generator loss has no path back to G (D's params carry the graph, so backward() runs) and opt_g.step() never moves G.
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger(__name__)


def ring_of_gaussians(n, modes=8, radius=2.0, std=0.05):
    k = torch.randint(0, modes, (n,))
    angle = 2 * torch.pi * k.float() / modes
    centers = torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], 1)
    return centers + std * torch.randn(n, 2)


def mlp(i, o, h=256):
    return nn.Sequential(nn.Linear(i, h), nn.LeakyReLU(0.2), nn.Linear(h, h), nn.LeakyReLU(0.2), nn.Linear(h, o))


class GANTrainer:
    def __init__(self, z_dim, lr, device):
        self.z_dim = z_dim
        self.device = device
        self.G = mlp(z_dim, 2).to(device)
        self.D = mlp(2, 1).to(device)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=lr, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=lr, betas=(0.5, 0.999))
        self._fake = None

    def sample_fake(self, n):
        z = torch.randn(n, self.z_dim, device=self.device)
        # keep D's update from touching G
        self._fake = self.G(z).detach()
        return self._fake

    def discriminator_step(self, real):
        fake = self.sample_fake(real.size(0))
        d_real = self.D(real)
        d_fake = self.D(fake)
        loss = F.binary_cross_entropy_with_logits(d_real, torch.ones_like(d_real)) + \
            F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_d.step()
        return loss.item()

    def generator_step(self):
        # reuse the batch produced for the discriminator step (saves a G forward)
        d_out = self.D(self._fake)
        loss = F.binary_cross_entropy_with_logits(d_out, torch.ones_like(d_out))
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        return loss.item()

    def state_dict(self):
        return {"G": self.G.state_dict(), "D": self.D.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--z-dim", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--out", default="runs/gan_ring")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)

    device = "cuda" if torch.cuda.is_available() else "cpu"
    data = ring_of_gaussians(50_000)
    loader = DataLoader(TensorDataset(data), batch_size=args.batch_size, shuffle=True, drop_last=True)
    trainer = GANTrainer(args.z_dim, args.lr, device)

    for epoch in range(args.epochs):
        trainer.G.train()
        trainer.D.train()
        d_sum = g_sum = 0.0
        for (real,) in loader:
            real = real.to(device)
            d_sum += trainer.discriminator_step(real)
            g_sum += trainer.generator_step()
        log.info("epoch %d  D %.4f  G %.4f", epoch, d_sum / len(loader), g_sum / len(loader))
        if (epoch + 1) % 10 == 0:
            torch.save(trainer.state_dict(), os.path.join(args.out, f"ckpt_{epoch+1:03d}.pt"))

    trainer.G.eval()
    with torch.no_grad():
        samples = trainer.G(torch.randn(1000, args.z_dim, device=device)).cpu()
    radius = samples.norm(dim=1)
    log.info("sample radius mean %.3f std %.3f", radius.mean().item(), radius.std().item())


if __name__ == "__main__":
    main()
