# expect: TVL004
# style: research repo segmentation (U-Net-lite), evaluate() helper in utils, argparse
# bug: model.train() is called once before the epoch loop; evaluate() switches to eval() every epoch and nothing switches back, so epochs 2+ train with BatchNorm/Dropout in eval mode
import argparse
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def conv_bn(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNetLite(nn.Module):
    def __init__(self, in_ch=3, n_classes=5, base=16):
        super().__init__()
        self.enc1 = nn.Sequential(conv_bn(in_ch, base), conv_bn(base, base))
        self.enc2 = nn.Sequential(conv_bn(base, base * 2), conv_bn(base * 2, base * 2))
        self.bott = nn.Sequential(conv_bn(base * 2, base * 4), nn.Dropout2d(0.2))
        self.up2 = nn.ConvTranspose2d(base * 4, base * 2, 2, stride=2)
        self.dec2 = conv_bn(base * 4, base * 2)
        self.up1 = nn.ConvTranspose2d(base * 2, base, 2, stride=2)
        self.dec1 = conv_bn(base * 2, base)
        self.head = nn.Conv2d(base, n_classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        b = self.bott(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.head(d1)


def mean_iou(pred, target, n_classes):
    ious = []
    for c in range(n_classes):
        inter = ((pred == c) & (target == c)).sum().item()
        union = ((pred == c) | (target == c)).sum().item()
        if union:
            ious.append(inter / union)
    return sum(ious) / max(len(ious), 1)


@torch.no_grad()
def evaluate(model, loader, device, n_classes):
    model.eval()
    scores, losses = [], []
    for img, mask in loader:
        img, mask = img.to(device), mask.to(device)
        logits = model(img)
        losses.append(F.cross_entropy(logits, mask).item())
        scores.append(mean_iou(logits.argmax(1), mask, n_classes))
    return sum(losses) / len(losses), sum(scores) / len(scores)


def train_one_epoch(model, loader, optimizer, device):
    total = 0.0
    for img, mask in loader:
        img, mask = img.to(device), mask.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(img), mask, ignore_index=255)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


def synthetic(n, n_classes, size=64):
    return TensorDataset(torch.randn(n, 3, size, size), torch.randint(0, n_classes, (n, size, size)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--n-classes", type=int, default=5)
    ap.add_argument("--out", default="runs/unet")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = UNetLite(n_classes=args.n_classes).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    train_dl = DataLoader(synthetic(800, args.n_classes), batch_size=16, shuffle=True, num_workers=2)
    val_dl = DataLoader(synthetic(200, args.n_classes), batch_size=32, shuffle=False)

    history = []
    best_miou = -1
    model.train()
    for epoch in range(args.epochs):
        tr_loss = train_one_epoch(model, train_dl, optimizer, device)
        scheduler.step()
        val_loss, miou = evaluate(model, val_dl, device, args.n_classes)
        history.append({"epoch": epoch, "train_loss": tr_loss, "val_loss": val_loss, "miou": miou})
        print(json.dumps(history[-1]))
        if miou > best_miou:
            best_miou = miou
            torch.save(model.state_dict(), os.path.join(args.out, "best.pth"))
    with open(os.path.join(args.out, "history.json"), "w") as f:
        json.dump(history, f, indent=1)


if __name__ == "__main__":
    main()
