# expect: TVL016
# style: AMP fine-tuning of a small vision transformer-ish CNN on medical images, inline loop
# bug: clip_grad_norm_ is applied to the still-scaled gradients (right after scaler.scale(loss).backward()), and scaler.unscale_ is called only after the clipping
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--lr", type=float, default=3e-4)
parser.add_argument("--clip", type=float, default=1.0)
parser.add_argument("--amp", action="store_true", default=True)
args = parser.parse_args()

device = "cuda" if torch.cuda.is_available() else "cpu"
use_amp = args.amp and device == "cuda"


def conv_block(i, o):
    return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.SiLU(),
                         nn.Conv2d(o, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.SiLU(), nn.MaxPool2d(2))


model = nn.Sequential(conv_block(1, 32), conv_block(32, 64), conv_block(64, 128), conv_block(128, 256),
                      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(256, 14)).to(device)

# 14 findings, multi-label chest x-ray stand-in
train_ds = TensorDataset(torch.randn(3000, 1, 128, 128), (torch.rand(3000, 14) < 0.1).float())
val_ds = TensorDataset(torch.randn(500, 1, 128, 128), (torch.rand(500, 14) < 0.1).float())
train_dl = DataLoader(train_ds, batch_size=32, shuffle=True, num_workers=4, pin_memory=True)
val_dl = DataLoader(val_ds, batch_size=64, shuffle=False)

optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
scaler = torch.cuda.amp.GradScaler(enabled=use_amp)

for epoch in range(args.epochs):
    model.train()
    t0 = time.time()
    tot = 0.0
    for x, y in train_dl:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
            logits = model(x)
            loss = F.binary_cross_entropy_with_logits(logits, y)
        scaler.scale(loss).backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        scaler.unscale_(optimizer)
        scaler.step(optimizer)
        scaler.update()
        tot += loss.item()
    scheduler.step()

    model.eval()
    probs, gts = [], []
    with torch.no_grad(), torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
        for x, y in val_dl:
            probs.append(torch.sigmoid(model(x.to(device)).float()).cpu())
            gts.append(y)
    probs, gts = torch.cat(probs), torch.cat(gts)
    # mean per-class "balanced accuracy" at 0.5
    pred = probs > 0.5
    tpr = ((pred & (gts > 0)).sum(0) / (gts > 0).sum(0).clamp(min=1)).mean().item()
    tnr = ((~pred & (gts == 0)).sum(0) / (gts == 0).sum(0).clamp(min=1)).mean().item()
    print(f"epoch {epoch} loss {tot / len(train_dl):.4f} bal-acc {(tpr + tnr) / 2:.4f} "
          f"last grad-norm {float(grad_norm):.2f} ({time.time() - t0:.0f}s)")
    torch.save({"model": model.state_dict(), "scaler": scaler.state_dict()}, "cxr_last.pt")

# ---- final per-finding report ----
FINDINGS = ["atelectasis", "cardiomegaly", "effusion", "infiltration", "mass", "nodule", "pneumonia",
            "pneumothorax", "consolidation", "edema", "emphysema", "fibrosis", "pleural_thickening", "hernia"]
for k, name in enumerate(FINDINGS):
    pos = gts[:, k] > 0
    if pos.sum() == 0 or (~pos).sum() == 0:
        print(f"{name:>20s}: n/a")
        continue
    # rank-based AUROC (Mann-Whitney U)
    ranks = probs[:, k].argsort().argsort().float() + 1
    auc = (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum())
    print(f"{name:>20s}: AUROC {auc.item():.3f}  prevalence {pos.float().mean().item():.3f}")
