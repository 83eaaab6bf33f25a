# expect: clean
# style: research repo with AverageMeter utilities, monocular depth regression
# note: the meters look like TVL012 (self.sum += val * n), but train_epoch passes loss.item() and the metric floats, so no tensor or graph is accumulated.
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("depth")


class AverageMeter:
    def __init__(self, name, fmt=":.4f"):
        self.name, self.fmt = name, fmt
        self.reset()

    def reset(self):
        self.val = self.avg = self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        return ("{name} {val" + self.fmt + "} ({avg" + self.fmt + "})").format(**self.__dict__)


class DepthNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                 nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU())
        self.dec = nn.Sequential(nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(64, 32, 4, 2, 1),
                                 nn.ReLU(), nn.ConvTranspose2d(32, 1, 4, 2, 1), nn.Softplus())

    def forward(self, x):
        return self.dec(self.enc(x))


def silog_loss(pred, gt, lam=0.85):
    d = torch.log(pred + 1e-6) - torch.log(gt + 1e-6)
    return torch.sqrt((d ** 2).mean() - lam * d.mean() ** 2) * 10


def train_epoch(model, loader, opt, epoch, print_freq=20):
    batch_time, losses, abs_rel = AverageMeter("Time", ":.3f"), AverageMeter("Loss"), AverageMeter("AbsRel")
    model.train()
    end = time.time()
    for i, (img, depth) in enumerate(loader):
        pred = model(img)
        loss = silog_loss(pred, depth)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            rel = ((pred - depth).abs() / depth).mean().item()
        losses.update(loss.item(), img.size(0))
        abs_rel.update(rel, img.size(0))
        batch_time.update(time.time() - end)
        end = time.time()
        if i % print_freq == 0:
            logger.info("Epoch [%d][%d/%d] %s %s %s", epoch, i, len(loader), batch_time, losses, abs_rel)
    return losses.avg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    imgs = torch.rand(1000, 3, 64, 64)
    depth = torch.rand(1000, 1, 64, 64) * 9 + 1
    loader = DataLoader(TensorDataset(imgs, depth), batch_size=16, shuffle=True, num_workers=2)
    model = DepthNet()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        avg = train_epoch(model, loader, opt, epoch)
        logger.info("epoch %d mean silog %.4f", epoch, avg)


if __name__ == "__main__":
    main()
