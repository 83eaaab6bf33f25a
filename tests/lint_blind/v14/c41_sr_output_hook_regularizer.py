# expect: TVL013
# style: super-resolution research code, regularizer attached to the generator by a forward hook, trainer class
# bug: SRTrainer.train_step runs self.generator.forward(lr_img), so the forward hook that feeds TVRegularizer never fires and the total-variation term is silently never added
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("sr")


class ResBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(ch, ch, 3, padding=1))

    def forward(self, x):
        return x + 0.1 * self.body(x)


class EDSRLite(nn.Module):
    def __init__(self, scale=2, ch=64, n_blocks=8):
        super().__init__()
        self.head = nn.Conv2d(3, ch, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(ch) for _ in range(n_blocks)])
        self.up = nn.Sequential(nn.Conv2d(ch, ch * scale * scale, 3, padding=1), nn.PixelShuffle(scale))
        self.tail = nn.Conv2d(ch, 3, 3, padding=1)

    def forward(self, x):
        h = self.head(x)
        return self.tail(self.up(h + self.body(h)))


class TVRegularizer:
    """Total-variation penalty on whatever the attached module last produced."""

    def __init__(self, weight):
        self.weight = weight
        self.last = None

    def attach(self, module):
        return module.register_forward_hook(self._capture)

    def _capture(self, module, inputs, output):
        self.last = output

    def penalty(self):
        if self.last is None or self.weight == 0:
            return 0.0
        x = self.last
        tv = (x[..., 1:, :] - x[..., :-1, :]).abs().mean() + (x[..., :, 1:] - x[..., :, :-1]).abs().mean()
        self.last = None
        return self.weight * tv


class SRTrainer:
    def __init__(self, generator, tv_weight, lr):
        self.generator = generator
        self.tv = TVRegularizer(tv_weight)
        self.tv.attach(generator)
        self.opt = torch.optim.Adam(generator.parameters(), lr=lr, betas=(0.9, 0.99))
        self.sched = torch.optim.lr_scheduler.MultiStepLR(self.opt, milestones=[20, 40], gamma=0.5)

    def train_step(self, lr_img, hr_img):
        sr = self.generator.forward(lr_img)
        loss = F.l1_loss(sr, hr_img) + self.tv.penalty()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return float(loss)

    @torch.no_grad()
    def psnr(self, loader):
        self.generator.eval()
        vals = []
        for lr_img, hr_img in loader:
            mse = F.mse_loss(self.generator(lr_img).clamp(0, 1), hr_img, reduction="none").mean((1, 2, 3))
            vals.append(10 * torch.log10(1 / mse))
        self.generator.train()
        self.tv.last = None
        return torch.cat(vals).mean().item()

    def fit(self, train_loader, val_loader, epochs):
        for epoch in range(epochs):
            self.generator.train()
            losses = [self.train_step(l, h) for l, h in train_loader]
            self.sched.step()
            log.info("epoch %d l1+tv %.4f val PSNR %.2f", epoch, sum(losses) / len(losses), self.psnr(val_loader))


def make_pairs(n, size=64, scale=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    hr = F.avg_pool2d(torch.rand(n, 3, size * 2, size * 2, generator=g), 2)
    lr = F.interpolate(hr, scale_factor=1 / scale, mode="bicubic", align_corners=False).clamp(0, 1)
    return TensorDataset(lr, hr)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--tv-weight", type=float, default=1e-3)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--epochs", type=int, default=60)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(make_pairs(800), batch_size=16, shuffle=True)
    val_loader = DataLoader(make_pairs(100, seed=1), batch_size=25)
    SRTrainer(EDSRLite(), args.tv_weight, args.lr).fit(train_loader, val_loader, args.epochs)
