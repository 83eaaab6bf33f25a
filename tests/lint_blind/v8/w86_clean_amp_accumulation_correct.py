# expect: clean
# style: inline AMP + gradient accumulation loop for a diffusion-free image-to-image model (super-resolution), nanoGPT-like flat script
# note: scaler.update() appears only inside the accumulation branch and clipping is present (looks like TVL016), but on every optimizer update the order is unscale_ -> clip -> scaler.step -> scaler.update
import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

ap = argparse.ArgumentParser()
ap.add_argument("--epochs", type=int, default=40)
ap.add_argument("--micro-bs", type=int, default=8)
ap.add_argument("--accum", type=int, default=4)
ap.add_argument("--lr", type=float, default=2e-4)
ap.add_argument("--grad-clip", type=float, default=1.0)
ap.add_argument("--out", default="sr_out")
args = ap.parse_args()
os.makedirs(args.out, exist_ok=True)
device = "cuda" if torch.cuda.is_available() else "cpu"
use_amp = device == "cuda"


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(c, c, 3, padding=1))

    def forward(self, x):
        return x + 0.1 * self.body(x)


class EDSRLite(nn.Module):
    def __init__(self, c=64, n_blocks=8, scale=2):
        super().__init__()
        self.head = nn.Conv2d(3, c, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(c) for _ in range(n_blocks)])
        self.up = nn.Sequential(nn.Conv2d(c, c * scale * scale, 3, padding=1), nn.PixelShuffle(scale))
        self.tail = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, x):
        h = self.head(x)
        return self.tail(self.up(self.body(h) + h))


def psnr(a, b):
    mse = F.mse_loss(a.clamp(0, 1), b).item()
    return 10 * math.log10(1.0 / max(mse, 1e-10))


hr = torch.rand(2000, 3, 64, 64)
lr_imgs = F.interpolate(hr, scale_factor=0.5, mode="bicubic", align_corners=False)
train_loader = DataLoader(TensorDataset(lr_imgs[:1800], hr[:1800]), batch_size=args.micro_bs, shuffle=True, drop_last=True)
val_loader = DataLoader(TensorDataset(lr_imgs[1800:], hr[1800:]), batch_size=32)

model = EDSRLite().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.99))
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[20, 30], gamma=0.5)
scaler = torch.cuda.amp.GradScaler(enabled=use_amp)

for epoch in range(args.epochs):
    model.train()
    optimizer.zero_grad(set_to_none=True)
    run, n_updates = 0.0, 0
    for it, (lr_b, hr_b) in enumerate(train_loader):
        lr_b, hr_b = lr_b.to(device), hr_b.to(device)
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
            loss = F.l1_loss(model(lr_b), hr_b) / args.accum
        scaler.scale(loss).backward()
        run += loss.item() * args.accum
        if (it + 1) % args.accum == 0:
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
            n_updates += 1
    scheduler.step()

    model.eval()
    vals = []
    with torch.no_grad():
        for lr_b, hr_b in val_loader:
            vals.append(psnr(model(lr_b.to(device)).float().cpu(), hr_b))
    print(f"epoch {epoch:02d} l1 {run / len(train_loader):.4f} updates {n_updates} val_psnr {sum(vals) / len(vals):.2f} "
          f"scale {scaler.get_scale() if use_amp else 1.0:.0f}")
    torch.save({"model": model.state_dict(), "epoch": epoch}, os.path.join(args.out, "edsr_last.pt"))
