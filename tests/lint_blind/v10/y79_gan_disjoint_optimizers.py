# expect: clean
# style: DCGAN-style trainer class
# note: Two optimizers on one training loop, but over disjoint modules (G and D); D sees fake.detach() and each optimizer zeroes before its own backward.
import argparse
import json
import logging
import math
import os
import time
from collections import defaultdict

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger(__name__)
logger = log


def parse_args(extra=None):
    parser = argparse.ArgumentParser(description="training script")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out-dir", type=str, default="./outputs")
    parser.add_argument("--device", type=str, default="cuda")
    parser.add_argument("--log-every", type=int, default=20)
    if extra:
        extra(parser)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        args.device = "cpu"
    return args


def set_seed(seed):
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(1, self.count)


def dump_metrics(history, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(history, f, indent=2)


def save_checkpoint(state, out_dir, name="checkpoint.pt"):
    os.makedirs(out_dir, exist_ok=True)
    torch.save(state, os.path.join(out_dir, name))


class Generator(nn.Module):
    def __init__(self, z=100, ch=64):
        super().__init__()
        self.net = nn.Sequential(nn.ConvTranspose2d(z, ch * 4, 4, 1, 0), nn.BatchNorm2d(ch * 4), nn.ReLU(),
                                 nn.ConvTranspose2d(ch * 4, ch * 2, 4, 2, 1), nn.BatchNorm2d(ch * 2), nn.ReLU(),
                                 nn.ConvTranspose2d(ch * 2, 3, 4, 2, 1), nn.Tanh())

    def forward(self, z):
        return self.net(z)


class Discriminator(nn.Module):
    def __init__(self, ch=64):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, ch, 4, 2, 1), nn.LeakyReLU(0.2), nn.Conv2d(ch, ch * 2, 4, 2, 1),
                                 nn.BatchNorm2d(ch * 2), nn.LeakyReLU(0.2), nn.Conv2d(ch * 2, 1, 4, 1, 0))

    def forward(self, x):
        return self.net(x).view(-1)


class GANTrainer:
    def __init__(self, G, D, lr=2e-4, z_dim=100):
        self.G, self.D, self.z_dim = G, D, z_dim
        self.opt_g = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))

    def d_step(self, real, fake):
        self.opt_d.zero_grad()
        loss = F.binary_cross_entropy_with_logits(self.D(real), torch.ones(real.size(0))) + \
            F.binary_cross_entropy_with_logits(self.D(fake.detach()), torch.zeros(real.size(0)))
        loss.backward()
        self.opt_d.step()
        return loss.item()

    def g_step(self, fake):
        self.opt_g.zero_grad()
        loss = F.binary_cross_entropy_with_logits(self.D(fake), torch.ones(fake.size(0)))
        loss.backward()
        self.opt_g.step()
        return loss.item()

    def train_batch(self, real):
        z = torch.randn(real.size(0), self.z_dim, 1, 1)
        fake = self.G(z)
        return self.d_step(real, fake), self.g_step(fake)


def main():
    args = parse_args()
    set_seed(args.seed)
    loader = DataLoader(TensorDataset(torch.rand(3000, 3, 16, 16) * 2 - 1), batch_size=args.batch_size, shuffle=True)
    trainer = GANTrainer(Generator(), Discriminator())
    for epoch in range(args.epochs):
        trainer.G.train()
        trainer.D.train()
        dm, gm = AverageMeter(), AverageMeter()
        for (real,) in loader:
            d, g = trainer.train_batch(real)
            dm.update(d, real.size(0))
            gm.update(g, real.size(0))
        logger.info("epoch %d D %.4f G %.4f", epoch, dm.avg, gm.avg)
        save_checkpoint({"G": trainer.G.state_dict(), "D": trainer.D.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
