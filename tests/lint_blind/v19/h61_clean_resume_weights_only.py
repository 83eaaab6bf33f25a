# expect: clean
# style: research repo with argparse --resume/--pretrained for a super-resolution model; checkpoint utilities
# note: both torch.load calls take paths from the command line (TVL014 look-alike) but pass weights_only=True; the checkpoint stores only tensors/primitive types so it loads fine
import argparse
import logging
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("sr")


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--bs", type=int, default=16)
    ap.add_argument("--resume", default="", help="checkpoint to resume from")
    ap.add_argument("--pretrained", default="", help="weights to initialise from")
    ap.add_argument("--save-dir", default="sr_ckpt")
    return ap.parse_args()


class PatchSet(Dataset):
    def __init__(self, n, scale, size=48, seed=0):
        self.n, self.scale, self.size, self.seed = n, scale, size, seed

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 100003 + i)
        hr = torch.rand(3, self.size * self.scale, self.size * self.scale, generator=g)
        lr = F.interpolate(hr[None], scale_factor=1 / self.scale, mode="bicubic", align_corners=False)[0]
        return lr.clamp(0, 1), hr


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(True), nn.Conv2d(c, c, 3, padding=1))

    def forward(self, x):
        return x + 0.1 * self.body(x)


class EDSRLite(nn.Module):
    def __init__(self, scale, c=64, n=16):
        super().__init__()
        self.head = nn.Conv2d(3, c, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(c) for _ in range(n)], nn.Conv2d(c, c, 3, padding=1))
        self.up = nn.Sequential(nn.Conv2d(c, c * scale * scale, 3, padding=1), nn.PixelShuffle(scale),
                                nn.Conv2d(c, 3, 3, padding=1))

    def forward(self, x):
        h = self.head(x)
        return self.up(h + self.body(h))


def save_ckpt(path, model, opt, sched, epoch, best_psnr):
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                "epoch": epoch, "best_psnr": float(best_psnr)}, path)


def load_ckpt(path, model, opt=None, sched=None):
    ckpt = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(ckpt["model"])
    if opt is not None:
        opt.load_state_dict(ckpt["opt"])
    if sched is not None:
        sched.load_state_dict(ckpt["sched"])
    return ckpt.get("epoch", -1) + 1, ckpt.get("best_psnr", 0.0)


def psnr(sr, hr):
    mse = F.mse_loss(sr.clamp(0, 1), hr).item()
    return 10 * math.log10(1.0 / max(mse, 1e-10))


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = EDSRLite(args.scale).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.99))
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=40, gamma=0.5)
    start_epoch, best = 0, 0.0
    if args.pretrained:
        state = torch.load(args.pretrained, map_location="cpu", weights_only=True)
        missing, unexpected = model.load_state_dict(state.get("model", state), strict=False)
        log.info("pretrained: missing %d unexpected %d", len(missing), len(unexpected))
    if args.resume:
        start_epoch, best = load_ckpt(args.resume, model, opt, sched)
        log.info("resumed at epoch %d (best %.2f dB)", start_epoch, best)

    train_dl = DataLoader(PatchSet(8000, args.scale), batch_size=args.bs, shuffle=True, num_workers=4)
    val_dl = DataLoader(PatchSet(100, args.scale, seed=7), batch_size=1)
    os.makedirs(args.save_dir, exist_ok=True)
    for epoch in range(start_epoch, args.epochs):
        model.train()
        for lr_img, hr_img in train_dl:
            lr_img, hr_img = lr_img.to(device), hr_img.to(device)
            loss = F.l1_loss(model(lr_img), hr_img)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with torch.no_grad():
            val_psnr = sum(psnr(model(l.to(device)), h.to(device)) for l, h in val_dl) / len(val_dl)
        log.info("epoch %d val PSNR %.2f dB", epoch, val_psnr)
        if val_psnr > best:
            best = val_psnr
            save_ckpt(os.path.join(args.save_dir, "best.pt"), model, opt, sched, epoch, best)
        save_ckpt(os.path.join(args.save_dir, "last.pt"), model, opt, sched, epoch, best)


if __name__ == "__main__":
    main()
