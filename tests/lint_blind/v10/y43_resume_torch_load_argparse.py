# expect: TVL014
# style: research repo with --resume, super-resolution
# bug: torch.load(args.resume) loads a user-supplied checkpoint path without weights_only=True.
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


class SRNet(nn.Module):
    def __init__(self, scale=2, ch=64, n_blocks=6):
        super().__init__()
        self.head = nn.Conv2d(3, ch, 3, padding=1)
        self.body = nn.Sequential(*[nn.Sequential(nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU()) for _ in range(n_blocks)])
        self.up = nn.Sequential(nn.Conv2d(ch, 3 * scale * scale, 3, padding=1), nn.PixelShuffle(scale))

    def forward(self, x):
        h = self.head(x)
        return self.up(h + self.body(h))


def psnr(a, b):
    mse = F.mse_loss(a, b).item()
    return 10 * np.log10(1.0 / max(mse, 1e-10))


def extra(p):
    p.add_argument("--resume", type=str, default="")
    p.add_argument("--scale", type=int, default=2)


args = parse_args(extra)
set_seed(args.seed)
hr = torch.rand(800, 3, 64, 64)
lr_imgs = F.interpolate(hr, scale_factor=1 / args.scale, mode="bicubic", align_corners=False)
loader = DataLoader(TensorDataset(lr_imgs, hr), batch_size=16, shuffle=True)
model = SRNet(args.scale).to(args.device)
opt = torch.optim.Adam(model.parameters(), lr=args.lr)
start_epoch = 0
if args.resume:
    ckpt = torch.load(args.resume, map_location=args.device)
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["opt"])
    start_epoch = ckpt["epoch"] + 1
    logger.info("resumed from %s at epoch %d", args.resume, start_epoch)

for epoch in range(start_epoch, args.epochs):
    model.train()
    meter = AverageMeter("l1")
    for lo, hi in loader:
        lo, hi = lo.to(args.device), hi.to(args.device)
        opt.zero_grad()
        loss = F.l1_loss(model(lo), hi)
        loss.backward()
        opt.step()
        meter.update(loss.item(), lo.size(0))
    model.eval()
    with torch.no_grad():
        p = psnr(model(lo).clamp(0, 1), hi)
    logger.info("epoch %d l1 %.4f psnr(last batch) %.2f", epoch, meter.avg, p)
    save_checkpoint({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch}, args.out_dir)
