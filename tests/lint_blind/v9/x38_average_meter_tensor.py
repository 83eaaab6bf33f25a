# expect: TVL012
# style: research repo with an AverageMeter utility, super-resolution (vision) training
# bug: train_epoch passes the loss tensor (not loss.item()) to AverageMeter.update, whose running sum keeps every batch's graph alive.
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("sr")


class AverageMeter:
    def __init__(self, name):
        self.name = name
        self.reset()

    def reset(self):
        self.val = self.sum = self.count = 0
        self.avg = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        return f"{self.name} {float(self.val):.4f} ({float(self.avg):.4f})"


class ESPCN(nn.Module):
    def __init__(self, scale=3, ch=1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(ch, 64, 5, padding=2), nn.Tanh(),
            nn.Conv2d(64, 32, 3, padding=1), nn.Tanh(),
            nn.Conv2d(32, ch * scale ** 2, 3, padding=1),
        )
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x):
        return self.shuffle(self.body(x))


def psnr(sr, hr):
    mse = F.mse_loss(sr.clamp(0, 1), hr)
    return 10 * torch.log10(1 / mse)


def train_epoch(model, loader, opt, epoch):
    losses = AverageMeter("loss")
    batch_time = AverageMeter("time")
    model.train()
    end = time.time()
    for i, (lr_img, hr_img) in enumerate(loader):
        sr = model(lr_img)
        loss = F.l1_loss(sr, hr_img)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.update(loss, lr_img.size(0))
        batch_time.update(time.time() - end)
        end = time.time()
        if i % 20 == 0:
            logger.info("Epoch [%d][%d/%d] %s %s", epoch, i, len(loader), losses, batch_time)
    return losses.avg


@torch.no_grad()
def validate(model, loader):
    model.eval()
    meter = AverageMeter("psnr")
    for lr_img, hr_img in loader:
        meter.update(psnr(model(lr_img), hr_img).item(), lr_img.size(0))
    return meter.avg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=30)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    hr = torch.rand(1200, 1, 96, 96)
    lr = F.interpolate(hr, scale_factor=1 / args.scale, mode="bicubic", align_corners=False)
    train_dl = DataLoader(TensorDataset(lr[:1000], hr[:1000]), batch_size=16, shuffle=True)
    val_dl = DataLoader(TensorDataset(lr[1000:], hr[1000:]), batch_size=32)
    model = ESPCN(args.scale)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    best = 0.0
    for epoch in range(args.epochs):
        train_epoch(model, train_dl, opt, epoch)
        score = validate(model, val_dl)
        logger.info("epoch %d val PSNR %.2f", epoch, score)
        if score > best:
            best = score
            torch.save(model.state_dict(), "espcn_best.pth")


if __name__ == "__main__":
    main()
