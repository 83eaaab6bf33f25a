# expect: TVL012
# style: timm/ImageNet-example style with AverageMeter utilities, object detection-lite (single-box regression + class)
# bug: train_one_epoch calls losses.update(loss, n) with the loss tensor, and AverageMeter.update does self.sum += val * n, so the meter accumulates a tensor chained to every iteration's graph.
import argparse
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class AverageMeter:
    """Computes and stores the average and current value"""

    def __init__(self, name, fmt=":f"):
        self.name, self.fmt = name, fmt
        self.reset()

    def reset(self):
        self.val = 0
        self.avg = 0
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        fmtstr = "{name} {val" + self.fmt + "} ({avg" + self.fmt + "})"
        return fmtstr.format(name=self.name, val=float(self.val), avg=float(self.avg))


class BoxDataset(Dataset):
    def __init__(self, n, size=96, n_cls=5, seed=0):
        self.n, self.size, self.n_cls, self.seed = n, size, n_cls, seed

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 99991 + i)
        img = torch.randn(3, self.size, self.size, generator=g) * 0.1
        x0, y0 = torch.randint(0, self.size // 2, (2,), generator=g).tolist()
        w, h = torch.randint(8, self.size // 2, (2,), generator=g).tolist()
        c = int(torch.randint(0, self.n_cls, (1,), generator=g))
        img[c % 3, y0:y0 + h, x0:x0 + w] += 1.0
        box = torch.tensor([x0, y0, x0 + w, y0 + h], dtype=torch.float32) / self.size
        return img, box, c


class Localizer(nn.Module):
    def __init__(self, n_cls=5):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.cls_head = nn.Linear(128, n_cls)
        self.box_head = nn.Linear(128, 4)

    def forward(self, x):
        f = self.backbone(x)
        return self.cls_head(f), self.box_head(f).sigmoid()


def train_one_epoch(model, loader, optimizer, epoch, device, print_freq=20):
    batch_time, losses = AverageMeter("Time", ":6.3f"), AverageMeter("Loss", ":.4e")
    model.train()
    end = time.time()
    for i, (img, box, cls) in enumerate(loader):
        img, box, cls = img.to(device), box.to(device), cls.to(device)
        logits, pbox = model(img)
        loss = F.cross_entropy(logits, cls) + 5.0 * F.l1_loss(pbox, box)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.update(loss, img.size(0))
        batch_time.update(time.time() - end)
        end = time.time()
        if i % print_freq == 0:
            print(f"Epoch [{epoch}][{i}/{len(loader)}]  {batch_time}  {losses}")
    return float(losses.avg)


@torch.no_grad()
def validate(model, loader, device):
    model.eval()
    acc, l1 = AverageMeter("Acc"), AverageMeter("L1")
    for img, box, cls in loader:
        logits, pbox = model(img.to(device))
        acc.update((logits.argmax(1).cpu() == cls).float().mean().item(), img.size(0))
        l1.update(F.l1_loss(pbox.cpu(), box).item(), img.size(0))
    return acc.avg, l1.avg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=0.02)
    ap.add_argument("--output", default="out_loc")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_dl = DataLoader(BoxDataset(4000), batch_size=64, shuffle=True, num_workers=4, pin_memory=True)
    val_dl = DataLoader(BoxDataset(500, seed=1), batch_size=128, num_workers=4)
    model = Localizer().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[10, 13], gamma=0.1)
    os.makedirs(args.output, exist_ok=True)
    for epoch in range(args.epochs):
        tr = train_one_epoch(model, train_dl, optimizer, epoch, device)
        scheduler.step()
        acc, l1 = validate(model, val_dl, device)
        print(f"* epoch {epoch} train_loss {tr:.4f} val_acc {acc:.3f} val_l1 {l1:.4f}")
        torch.save({"epoch": epoch, "state_dict": model.state_dict()}, os.path.join(args.output, "checkpoint.pth.tar"))


if __name__ == "__main__":
    main()
