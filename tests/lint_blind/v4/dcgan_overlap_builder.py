# expect: TVL006
# style: DCGAN/pix2pix-style GAN repo with a build_optimizers() factory
# bug: build_optimizers() gives the generator optimizer gan.parameters() (generator AND discriminator), overlapping with opt_d, so every G step also pushes D to help G
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class GANPair(nn.Module):
    def __init__(self, nz=64, ngf=64, img=28 * 28):
        super().__init__()
        self.generator = nn.Sequential(nn.Linear(nz, ngf * 4), nn.ReLU(), nn.Linear(ngf * 4, img), nn.Tanh())
        self.discriminator = nn.Sequential(nn.Linear(img, ngf * 4), nn.LeakyReLU(0.2), nn.Linear(ngf * 4, 1))
        self.nz = nz

    def sample(self, n):
        return self.generator(torch.randn(n, self.nz))


def build_optimizers(gan, lr, betas=(0.5, 0.999)):
    opt_g = torch.optim.Adam(gan.parameters(), lr=lr, betas=betas)
    opt_d = torch.optim.Adam(gan.discriminator.parameters(), lr=lr, betas=betas)
    return opt_g, opt_d


def d_step(gan, opt_d, real):
    fake = gan.sample(real.size(0)).detach()
    logits_real, logits_fake = gan.discriminator(real), gan.discriminator(fake)
    loss = F.binary_cross_entropy_with_logits(logits_real, torch.ones_like(logits_real)) \
        + F.binary_cross_entropy_with_logits(logits_fake, torch.zeros_like(logits_fake))
    opt_d.zero_grad()
    loss.backward()
    opt_d.step()
    return loss.item()


def g_step(gan, opt_g, bs):
    logits = gan.discriminator(gan.sample(bs))
    loss = F.binary_cross_entropy_with_logits(logits, torch.ones_like(logits))
    opt_g.zero_grad()
    loss.backward()
    opt_g.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=5000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-4)
    args = ap.parse_args()
    gan = GANPair()
    opt_g, opt_d = build_optimizers(gan, args.lr)
    for it in range(args.iters):
        real = torch.rand(args.batch_size, 28 * 28) * 2 - 1
        ld = d_step(gan, opt_d, real)
        lg = g_step(gan, opt_g, args.batch_size)
        if it % 500 == 0:
            print(f"[{it}] loss_D {ld:.3f} loss_G {lg:.3f}")


if __name__ == "__main__":
    main()
