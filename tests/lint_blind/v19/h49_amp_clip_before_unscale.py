# expect: TVL016
# style: mixed-precision ViT-tiny training script (timm-like), inline AMP step
# bug: clip_grad_norm_ runs on the still-scaled gradients (before scaler.unscale_), so the effective clip threshold is divided by the loss scale and almost every step is clipped to a tiny norm
import argparse
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=100)
parser.add_argument("--bs", type=int, default=256)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--wd", type=float, default=0.05)
parser.add_argument("--clip-grad", type=float, default=1.0)
parser.add_argument("--warmup-epochs", type=int, default=5)
parser.add_argument("--amp", action="store_true", default=True)
parser.add_argument("--output", default="output/vit_tiny")
args = parser.parse_args()


class PatchEmbed(nn.Module):
    def __init__(self, img=32, patch=4, dim=192):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, patch)
        self.n = (img // patch) ** 2

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class ViTTiny(nn.Module):
    def __init__(self, n_classes=10, dim=192, depth=6, heads=3):
        super().__init__()
        self.patch = PatchEmbed(dim=dim)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.randn(1, self.patch.n + 1, dim) * 0.02)
        layer = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, depth)
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_classes)

    def forward(self, x):
        x = self.patch(x)
        x = torch.cat([self.cls.expand(x.size(0), -1, -1), x], 1) + self.pos
        return self.head(self.norm(self.blocks(x))[:, 0])


def lr_at(epoch_float):
    if epoch_float < args.warmup_epochs:
        return args.lr * epoch_float / args.warmup_epochs
    p = (epoch_float - args.warmup_epochs) / (args.epochs - args.warmup_epochs)
    return 1e-6 + 0.5 * (args.lr - 1e-6) * (1 + math.cos(math.pi * p))


device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
train_loader = DataLoader(TensorDataset(torch.randn(20000, 3, 32, 32), torch.randint(0, 10, (20000,))),
                          batch_size=args.bs, shuffle=True, num_workers=8, pin_memory=True, drop_last=True)
val_loader = DataLoader(TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 10, (2000,))),
                        batch_size=512, shuffle=False, num_workers=8)

model = ViTTiny().to(device)
decay = [p for n, p in model.named_parameters() if p.ndim > 1 and "pos" not in n]
no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1 or "pos" in n]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd},
                               {"params": no_decay, "weight_decay": 0.0}], lr=args.lr)
scaler = torch.cuda.amp.GradScaler(enabled=args.amp and device.type == "cuda")
os.makedirs(args.output, exist_ok=True)

best = 0.0
for epoch in range(args.epochs):
    model.train()
    t0 = time.time()
    loss_sum, n_seen = 0.0, 0
    for it, (images, targets) in enumerate(train_loader):
        for g in optimizer.param_groups:
            g["lr"] = lr_at(epoch + it / len(train_loader))
        images, targets = images.to(device, non_blocking=True), targets.to(device, non_blocking=True)
        with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=args.amp and device.type == "cuda"):
            outputs = model(images)
            loss = F.cross_entropy(outputs, targets, label_smoothing=0.1)

        optimizer.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        if args.clip_grad is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_grad)
        scaler.step(optimizer)
        scaler.update()

        loss_sum += loss.item() * images.size(0)
        n_seen += images.size(0)

    model.eval()
    correct = total = 0
    with torch.no_grad(), torch.autocast(device_type=device.type, dtype=torch.float16, enabled=device.type == "cuda"):
        for images, targets in val_loader:
            pred = model(images.to(device)).argmax(1).cpu()
            correct += (pred == targets).sum().item()
            total += targets.numel()
    acc = correct / total
    print(f"epoch {epoch} loss {loss_sum / n_seen:.4f} val acc {acc:.4f} lr {optimizer.param_groups[0]['lr']:.2e} "
          f"scale {scaler.get_scale():.0f} ({time.time() - t0:.0f}s)")
    if acc > best:
        best = acc
        torch.save({"model": model.state_dict(), "epoch": epoch, "acc": acc}, os.path.join(args.output, "best.pth"))
