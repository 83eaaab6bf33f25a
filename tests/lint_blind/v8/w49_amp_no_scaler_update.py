# expect: TVL016
# style: mixed-precision image segmentation (binary masks), inline AMP loop in a single script
# bug: the loop calls scaler.scale(loss).backward() and scaler.step(optimizer) but never scaler.update(), so the loss scale never adapts (inf steps keep getting skipped at the same scale)
import argparse
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def dice_coeff(logits, target, eps=1e-6):
    pred = (logits.sigmoid() > 0.5).float()
    inter = (pred * target).sum(dim=(1, 2, 3))
    union = pred.sum(dim=(1, 2, 3)) + target.sum(dim=(1, 2, 3))
    return ((2 * inter + eps) / (union + eps)).mean()


def soft_dice_loss(logits, target, eps=1.0):
    p = logits.sigmoid()
    inter = (p * target).sum(dim=(1, 2, 3))
    return 1 - ((2 * inter + eps) / (p.sum(dim=(1, 2, 3)) + target.sum(dim=(1, 2, 3)) + eps)).mean()


class SegNet(nn.Module):
    def __init__(self, c=32):
        super().__init__()
        self.e1 = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU())
        self.e2 = nn.Sequential(nn.Conv2d(c, 2 * c, 3, stride=2, padding=1), nn.BatchNorm2d(2 * c), nn.ReLU())
        self.e3 = nn.Sequential(nn.Conv2d(2 * c, 4 * c, 3, stride=2, padding=1), nn.BatchNorm2d(4 * c), nn.ReLU())
        self.d2 = nn.Sequential(nn.Conv2d(6 * c, 2 * c, 3, padding=1), nn.BatchNorm2d(2 * c), nn.ReLU())
        self.d1 = nn.Sequential(nn.Conv2d(3 * c, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU())
        self.out = nn.Conv2d(c, 1, 1)

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(a)
        c = self.e3(b)
        u = F.interpolate(c, scale_factor=2, mode="bilinear", align_corners=False)
        u = self.d2(torch.cat([u, b], 1))
        u = F.interpolate(u, scale_factor=2, mode="bilinear", align_corners=False)
        return self.out(self.d1(torch.cat([u, a], 1)))


parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=25)
parser.add_argument("--batch-size", type=int, default=8)
parser.add_argument("--lr", type=float, default=1e-4)
parser.add_argument("--amp", action="store_true", default=True)
parser.add_argument("--ckpt-dir", default="checkpoints_seg")
args = parser.parse_args()
os.makedirs(args.ckpt_dir, exist_ok=True)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

imgs = torch.randn(800, 3, 128, 128)
masks = (torch.rand(800, 1, 128, 128) > 0.7).float()
train_loader = DataLoader(TensorDataset(imgs[:700], masks[:700]), batch_size=args.batch_size, shuffle=True, num_workers=4, pin_memory=True)
val_loader = DataLoader(TensorDataset(imgs[700:], masks[700:]), batch_size=16, shuffle=False)

model = SegNet().to(device)
optimizer = torch.optim.RMSprop(model.parameters(), lr=args.lr, weight_decay=1e-8, momentum=0.9)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, "max", patience=3)
scaler = torch.cuda.amp.GradScaler(enabled=args.amp)
bce = nn.BCEWithLogitsLoss()

best_dice = 0.0
for epoch in range(1, args.epochs + 1):
    model.train()
    t0, epoch_loss = time.time(), 0.0
    for images, true_masks in train_loader:
        images = images.to(device, non_blocking=True)
        true_masks = true_masks.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, enabled=args.amp):
            masks_pred = model(images)
            loss = bce(masks_pred, true_masks) + soft_dice_loss(masks_pred.float(), true_masks)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        epoch_loss += loss.item()

    model.eval()
    dice = 0.0
    with torch.no_grad():
        for images, true_masks in val_loader:
            with torch.autocast(device.type, enabled=args.amp):
                pred = model(images.to(device))
            dice += dice_coeff(pred.float(), true_masks.to(device)).item()
    dice /= len(val_loader)
    scheduler.step(dice)
    print(f"epoch {epoch} loss {epoch_loss / len(train_loader):.4f} val_dice {dice:.4f} "
          f"scale {scaler.get_scale():.0f} ({time.time() - t0:.0f}s)")
    if dice > best_dice:
        best_dice = dice
        torch.save(model.state_dict(), os.path.join(args.ckpt_dir, "best.pth"))
