# expect: TVL014
# style: research training script with --resume flag, image super-resolution (SRCNN/ESPCN-like)
# bug: the --resume checkpoint path from the command line is opened with torch.load(args.resume, map_location=...) without weights_only=True
import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ESPCN(nn.Module):
    def __init__(self, scale=3, channels=1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(channels, 64, 5, padding=2), nn.Tanh(),
            nn.Conv2d(64, 32, 3, padding=1), nn.Tanh(),
            nn.Conv2d(32, channels * scale ** 2, 3, padding=1),
        )
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x):
        return self.shuffle(self.body(x))


def psnr(sr, hr):
    mse = F.mse_loss(sr.clamp(0, 1), hr).item()
    return 10 * math.log10(1.0 / max(mse, 1e-10))


def make_pairs(n, scale, size=33):
    hr = torch.rand(n, 1, size * scale, size * scale)
    lr = F.interpolate(hr, scale_factor=1 / scale, mode="bicubic", align_corners=False)
    return TensorDataset(lr, hr)


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--scale", type=int, default=3)
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--resume", type=str, default="", help="checkpoint to resume from")
    p.add_argument("--out-dir", type=str, default="weights")
    return p.parse_args()


def main():
    args = parse()
    os.makedirs(args.out_dir, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = ESPCN(args.scale).to(device)
    optimizer = torch.optim.Adam([
        {"params": model.body[:-1].parameters()},
        {"params": model.body[-1].parameters(), "lr": args.lr * 0.1},
    ], lr=args.lr)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[int(args.epochs * 0.8)], gamma=0.1)

    start_epoch, best_psnr = 0, 0.0
    if args.resume and os.path.isfile(args.resume):
        ckpt = torch.load(args.resume, map_location=device)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        start_epoch, best_psnr = ckpt["epoch"] + 1, ckpt.get("best_psnr", 0.0)
        print(f"resumed from {args.resume} at epoch {start_epoch}")

    train_dl = DataLoader(make_pairs(2000, args.scale), batch_size=args.batch_size, shuffle=True, drop_last=True)
    val_dl = DataLoader(make_pairs(100, args.scale), batch_size=1)

    for epoch in range(start_epoch, args.epochs):
        model.train()
        epoch_loss = 0.0
        for lr_img, hr_img in train_dl:
            lr_img, hr_img = lr_img.to(device), hr_img.to(device)
            loss = F.mse_loss(model(lr_img), hr_img)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        scheduler.step()

        model.eval()
        with torch.no_grad():
            val_psnr = sum(psnr(model(l.to(device)), h.to(device)) for l, h in val_dl) / len(val_dl)
        print(f"epoch {epoch} loss {epoch_loss / len(train_dl):.6f} psnr {val_psnr:.2f}")
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "epoch": epoch, "best_psnr": max(best_psnr, val_psnr)}
        torch.save(state, os.path.join(args.out_dir, "last.pth"))
        if val_psnr > best_psnr:
            best_psnr = val_psnr
            torch.save(state, os.path.join(args.out_dir, "best.pth"))


if __name__ == "__main__":
    main()
