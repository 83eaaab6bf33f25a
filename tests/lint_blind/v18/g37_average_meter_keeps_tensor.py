# expect: TVL012
# style: research repo with utils.AverageMeter and a train_one_epoch(), image super-resolution
# bug: train_one_epoch() passes the loss tensor to AverageMeter.update(), whose `self.sum += val * n` keeps a tensor (with its graph) summed over all iterations of the epoch.
import argparse
import logging
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("sr")


# ----------------------------------------------------------- utils.py
class AverageMeter:
    def __init__(self, name, fmt=":.4f"):
        self.name, self.fmt = name, fmt
        self.reset()

    def reset(self):
        self.val = 0
        self.avg = 0
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        return ("{name} {val" + self.fmt + "} ({avg" + self.fmt + "})").format(
            name=self.name, val=float(self.val), avg=float(self.avg))


def psnr(sr, hr):
    mse = F.mse_loss(sr.clamp(0, 1), hr).item()
    return 10 * math.log10(1.0 / max(mse, 1e-10))


# ----------------------------------------------------------- data.py
class Patches(Dataset):
    def __init__(self, n, size=48, scale=2, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.hr = torch.rand(n, 3, size, size, generator=g)
        self.hr = F.avg_pool2d(self.hr, 3, 1, 1)  # smoother "natural" patches
        self.scale = scale

    def __len__(self):
        return len(self.hr)

    def __getitem__(self, i):
        hr = self.hr[i]
        lr = F.interpolate(hr[None], scale_factor=1 / self.scale, mode="bicubic", align_corners=False)[0]
        return lr, hr


# ----------------------------------------------------------- model.py
class ESPCN(nn.Module):
    def __init__(self, scale=2, feats=64):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, feats, 5, padding=2), nn.Tanh(),
            nn.Conv2d(feats, feats // 2, 3, padding=1), nn.Tanh(),
            nn.Conv2d(feats // 2, 3 * scale ** 2, 3, padding=1),
        )
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x):
        return self.shuffle(self.body(x))


# ----------------------------------------------------------- train.py
def train_one_epoch(model, loader, optimizer, epoch, print_freq=50):
    losses = AverageMeter("Loss")
    batch_time = AverageMeter("Time", ":.3f")
    model.train()
    end = time.time()
    for i, (lr, hr) in enumerate(loader):
        sr = model(lr)
        loss = F.l1_loss(sr, hr)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.update(loss, lr.size(0))
        batch_time.update(time.time() - end)
        end = time.time()
        if i % print_freq == 0:
            logger.info("Epoch [%d][%d/%d] %s %s", epoch, i, len(loader), losses, batch_time)
    return float(losses.avg)


@torch.no_grad()
def validate(model, loader):
    model.eval()
    scores = [psnr(model(lr), hr) for lr, hr in loader]
    return sum(scores) / len(scores)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--scale", type=int, default=2)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl = DataLoader(Patches(4000, scale=args.scale), batch_size=16, shuffle=True, num_workers=2)
    val_dl = DataLoader(Patches(200, scale=args.scale, seed=1), batch_size=16)
    model = ESPCN(args.scale)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[12, 16], gamma=0.1)
    best = 0.0
    for epoch in range(args.epochs):
        avg = train_one_epoch(model, train_dl, optimizer, epoch)
        scheduler.step()
        val_psnr = validate(model, val_dl)
        if val_psnr > best:
            best = val_psnr
            torch.save(model.state_dict(), "espcn_best.pth")
        logger.info("epoch %d avg_l1 %.4f val_psnr %.2f best %.2f", epoch, avg, val_psnr, best)


if __name__ == "__main__":
    main()
