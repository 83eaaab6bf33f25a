# expect: clean
# style: segmentation trainer with torch.inference_mode() validation decorator and model.train() at epoch start
# note: validate() is decorated with torch.inference_mode() and switches to eval(), but it is only used for metrics; the training forward runs with autograd enabled and train_epoch() calls model.train() first.
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Roads(Dataset):
    def __init__(self, n, size=96, seed=0):
        self.n, self.size, self.seed = n, size, seed

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 10007 + i)
        mask = torch.zeros(1, self.size, self.size)
        r = int(torch.randint(0, self.size - 8, (1,), generator=g))
        c = int(torch.randint(0, self.size - 8, (1,), generator=g))
        mask[:, r:r + 6, :] = 1
        mask[:, :, c:c + 6] = 1
        img = torch.randn(3, self.size, self.size, generator=g) * 0.3 + mask
        return img, mask


class LinkNetLite(nn.Module):
    def __init__(self, c=32):
        super().__init__()
        self.down1 = nn.Sequential(nn.Conv2d(3, c, 3, 2, 1), nn.BatchNorm2d(c), nn.ReLU())
        self.down2 = nn.Sequential(nn.Conv2d(c, 2 * c, 3, 2, 1), nn.BatchNorm2d(2 * c), nn.ReLU())
        self.up2 = nn.Sequential(nn.ConvTranspose2d(2 * c, c, 4, 2, 1), nn.BatchNorm2d(c), nn.ReLU())
        self.up1 = nn.ConvTranspose2d(c, 1, 4, 2, 1)

    def forward(self, x):
        d1 = self.down1(x)
        return self.up1(self.up2(self.down2(d1)) + d1)


def dice_loss(logits, target, eps=1.0):
    p = torch.sigmoid(logits)
    inter = (p * target).sum((1, 2, 3))
    return 1 - ((2 * inter + eps) / (p.sum((1, 2, 3)) + target.sum((1, 2, 3)) + eps)).mean()


def train_epoch(model, loader, opt, device):
    model.train()
    tot = 0.0
    for img, mask in loader:
        img, mask = img.to(device), mask.to(device)
        logits = model(img)
        loss = F.binary_cross_entropy_with_logits(logits, mask) + dice_loss(logits, mask)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item()
    return tot / len(loader)


@torch.inference_mode()
def validate(model, loader, device):
    model.eval()
    ious = []
    for img, mask in loader:
        pred = (model(img.to(device)) > 0).float().cpu()
        inter = (pred * mask).sum((1, 2, 3))
        union = ((pred + mask) > 0).float().sum((1, 2, 3)).clamp_min(1)
        ious.append((inter / union).mean().item())
    return sum(ious) / len(ious)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="roads_ckpt")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_dl = DataLoader(Roads(2000), batch_size=16, shuffle=True, num_workers=2)
    val_dl = DataLoader(Roads(300, seed=1), batch_size=32, num_workers=2)
    model = LinkNetLite().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    os.makedirs(args.out, exist_ok=True)
    best = 0.0
    for epoch in range(args.epochs):
        loss = train_epoch(model, train_dl, opt, device)
        iou = validate(model, val_dl, device)
        sched.step()
        print(f"epoch {epoch} loss {loss:.4f} val_iou {iou:.4f} lr {sched.get_last_lr()[0]:.2e}")
        if iou > best:
            best = iou
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))


if __name__ == "__main__":
    main()
