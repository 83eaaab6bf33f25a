# expect: TVL016
# style: mixed-precision semantic segmentation script (DeepLab-ish), inline AMP loop
# bug: clip_grad_norm_ is applied to the still-scaled gradients right after scaler.scale(loss).backward(), without scaler.unscale_() first, so the max-norm threshold is compared against gradients multiplied by the loss scale (effectively clipping every step to a tiny norm)
import argparse
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--lr", type=float, default=0.01)
parser.add_argument("--max-norm", type=float, default=5.0)
parser.add_argument("--num-classes", type=int, default=6)
parser.add_argument("--amp", action="store_true", default=True)
parser.add_argument("--out", default="seg_out")
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
device = "cuda" if torch.cuda.is_available() else "cpu"
use_amp = args.amp and device == "cuda"


class ASPP(nn.Module):
    def __init__(self, cin, cout, rates=(1, 6, 12)):
        super().__init__()
        self.branches = nn.ModuleList([
            nn.Sequential(nn.Conv2d(cin, cout, 3 if r > 1 else 1, padding=r if r > 1 else 0, dilation=r, bias=False),
                          nn.BatchNorm2d(cout), nn.ReLU()) for r in rates])
        self.proj = nn.Sequential(nn.Conv2d(cout * len(rates), cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())

    def forward(self, x):
        return self.proj(torch.cat([b(x) for b in self.branches], 1))


class MiniDeepLab(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 1, 2, dilation=2, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
        )
        self.aspp = ASPP(128, 128)
        self.cls = nn.Conv2d(128, n_classes, 1)

    def forward(self, x):
        h = self.cls(self.aspp(self.backbone(x)))
        return F.interpolate(h, size=x.shape[-2:], mode="bilinear", align_corners=False)


imgs = torch.randn(1200, 3, 96, 96)
masks = torch.randint(0, args.num_classes, (1200, 96, 96))
train_dl = DataLoader(TensorDataset(imgs[:1000], masks[:1000]), batch_size=16, shuffle=True, drop_last=True)
val_dl = DataLoader(TensorDataset(imgs[1000:], masks[1000:]), batch_size=32)

model = MiniDeepLab(args.num_classes).to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
max_iter = args.epochs * len(train_dl)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda it: (1 - it / max_iter) ** 0.9)
scaler = torch.cuda.amp.GradScaler(enabled=use_amp)


def miou(pred, target, n):
    ious = []
    for c in range(n):
        inter = ((pred == c) & (target == c)).sum().item()
        union = ((pred == c) | (target == c)).sum().item()
        if union:
            ious.append(inter / union)
    return sum(ious) / max(len(ious), 1)


for epoch in range(args.epochs):
    model.train()
    t0 = time.time()
    for it, (x, y) in enumerate(train_dl):
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
            logits = model(x)
            loss = F.cross_entropy(logits, y, ignore_index=255)
        scaler.scale(loss).backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_norm)
        scaler.step(optimizer)
        scaler.update()
        scheduler.step()
        if it % 20 == 0:
            print(f"[{epoch}:{it}] loss {loss.item():.4f} gnorm {grad_norm.item():.2f} scale {scaler.get_scale():.0f}")

    model.eval()
    scores = []
    with torch.no_grad():
        for x, y in val_dl:
            pred = model(x.to(device)).argmax(1).cpu()
            scores.append(miou(pred, y, args.num_classes))
    print(f"epoch {epoch} mIoU {sum(scores) / len(scores):.4f} ({time.time() - t0:.0f}s)")
    torch.save(model.state_dict(), os.path.join(args.out, "deeplab_last.pt"))
