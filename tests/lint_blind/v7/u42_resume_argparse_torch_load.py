# expect: TVL014
# style: research repo train.py with --resume flag, U-Net style image denoising
# bug: the --resume path from the command line goes straight into torch.load(args.resume, map_location="cpu") without weights_only=True (arbitrary pickle execution).
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("denoise")


class DoubleConv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNetSmall(nn.Module):
    def __init__(self, c=32):
        super().__init__()
        self.d1, self.d2, self.d3 = DoubleConv(1, c), DoubleConv(c, 2 * c), DoubleConv(2 * c, 4 * c)
        self.u2 = DoubleConv(6 * c, 2 * c)
        self.u1 = DoubleConv(3 * c, c)
        self.out = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        a = self.d1(x)
        b = self.d2(F.max_pool2d(a, 2))
        c = self.d3(F.max_pool2d(b, 2))
        b = self.u2(torch.cat([F.interpolate(c, scale_factor=2), b], 1))
        a = self.u1(torch.cat([F.interpolate(b, scale_factor=2), a], 1))
        return x - self.out(a)


def get_args():
    ap = argparse.ArgumentParser(description="Train a denoiser")
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--sigma", type=float, default=25.0)
    ap.add_argument("--resume", type=str, default="", help="checkpoint to resume from")
    ap.add_argument("--ckpt-dir", type=str, default="checkpoints")
    return ap.parse_args()


def main():
    args = get_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.ckpt_dir, exist_ok=True)
    clean = torch.rand(2000, 1, 64, 64)
    loader = DataLoader(TensorDataset(clean), batch_size=32, shuffle=True, num_workers=2)
    model = UNetSmall()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.5)
    start_epoch = 0

    if args.resume:
        logger.info("resuming from %s", args.resume)
        ckpt = torch.load(args.resume, map_location="cpu")
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        start_epoch = ckpt["epoch"] + 1

    model.train()
    for epoch in range(start_epoch, args.epochs):
        tot = 0.0
        for (x,) in loader:
            noisy = x + torch.randn_like(x) * args.sigma / 255.0
            loss = F.mse_loss(model(noisy), x)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        psnr = 10 * torch.log10(torch.tensor(1.0 / (tot / len(loader)))).item()
        logger.info("epoch %d mse %.5f psnr %.2f", epoch, tot / len(loader), psnr)
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                    "epoch": epoch}, os.path.join(args.ckpt_dir, "last.pth"))


if __name__ == "__main__":
    main()
