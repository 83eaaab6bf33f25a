# expect: clean
# style: research trainer that keeps epoch loss on-device to avoid host syncs (tensor accumulation of detached losses), image super-resolution
# note: epoch_loss is a tensor accumulated across iterations, but each addend is loss.detach(), so no graph is retained; .item() is called once per epoch
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("sr")


class ESPCN(nn.Module):
    def __init__(self, scale=2, ch=1):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(ch, 64, 5, padding=2), nn.Tanh(),
                                  nn.Conv2d(64, 32, 3, padding=1), nn.Tanh(),
                                  nn.Conv2d(32, ch * scale ** 2, 3, padding=1))
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x):
        return self.shuffle(self.body(x))


def psnr(sr, hr):
    mse = F.mse_loss(sr.clamp(0, 1), hr)
    return 10 * math.log10(1.0 / max(mse.item(), 1e-10))


def make_pairs(n, size=64, scale=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    hr = torch.rand(n, 1, size, size, generator=g)
    hr = F.avg_pool2d(hr, 3, 1, 1)
    lr = F.interpolate(hr, scale_factor=1 / scale, mode="bicubic", align_corners=False)
    return TensorDataset(lr, hr)


def train_epoch(model, loader, opt, device):
    model.train()
    epoch_loss = torch.zeros((), device=device)
    for lr, hr in loader:
        lr, hr = lr.to(device, non_blocking=True), hr.to(device, non_blocking=True)
        loss = F.l1_loss(model(lr), hr)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        epoch_loss += loss.detach()
    return (epoch_loss / len(loader)).item()


@torch.no_grad()
def validate(model, loader, device):
    model.eval()
    vals = [psnr(model(lr.to(device)), hr.to(device)) for lr, hr in loader]
    return sum(vals) / len(vals)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--milestones", type=int, nargs="+", default=[20, 25])
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = ESPCN().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=args.milestones, gamma=0.1)
    tr = DataLoader(make_pairs(2000, seed=0), batch_size=32, shuffle=True, pin_memory=True)
    va = DataLoader(make_pairs(200, seed=1), batch_size=50)
    best = 0.0
    for ep in range(args.epochs):
        loss = train_epoch(model, tr, opt, dev)
        sched.step()
        p = validate(model, va, dev)
        log.info("epoch %d L1 %.5f PSNR %.2f dB", ep, loss, p)
        if p > best:
            best = p
            torch.save(model.state_dict(), "espcn_best.pt")


if __name__ == "__main__":
    main()
