# expect: TVL012
# style: research repo with an AverageMeter utility and train_one_epoch in an engine module (object detection-lite / keypoint regression)
# bug: `train_one_epoch` passes the loss tensor itself to `LossMeter.update`, which does `self.total += val * n`, so the meter keeps a growing chain of graphs for the whole epoch
import argparse
import logging
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("kpt")
N_KPTS = 17


class LossMeter:
    """Tracks a running average of a value."""

    def __init__(self, name):
        self.name = name
        self.reset()

    def reset(self):
        self.total = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.total += val * n
        self.count += n

    @property
    def avg(self):
        return self.total / max(self.count, 1)

    def __str__(self):
        return f"{self.name} {float(self.avg):.4f}"


class PoseData(Dataset):
    def __init__(self, n, size=128, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.kpts = torch.rand(n, N_KPTS, 2, generator=g)
        self.vis = (torch.rand(n, N_KPTS, generator=g) > 0.2).float()
        self.size = size

    def __len__(self):
        return self.kpts.size(0)

    def __getitem__(self, i):
        img = torch.randn(3, self.size, self.size) * 0.1
        for (x, y) in (self.kpts[i] * (self.size - 1)).long():
            img[:, y, x] += 1.0
        return img, self.kpts[i], self.vis[i]


class SimpleBaseline(nn.Module):
    def __init__(self, w=48):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, w, 3, 2, 1), nn.BatchNorm2d(w), nn.ReLU(),
            nn.Conv2d(w, 2 * w, 3, 2, 1), nn.BatchNorm2d(2 * w), nn.ReLU(),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.BatchNorm2d(4 * w), nn.ReLU(),
            nn.AdaptiveAvgPool2d(4), nn.Flatten(),
        )
        self.reg = nn.Linear(4 * w * 16, N_KPTS * 2)

    def forward(self, x):
        return torch.sigmoid(self.reg(self.backbone(x))).view(-1, N_KPTS, 2)


def keypoint_loss(pred, target, vis):
    per_kpt = F.smooth_l1_loss(pred, target, reduction="none").sum(-1)
    return (per_kpt * vis).sum() / vis.sum().clamp(min=1)


def pck(pred, target, vis, thr=0.05):
    d = (pred - target).norm(dim=-1)
    return (((d < thr).float() * vis).sum() / vis.sum()).item()


def train_one_epoch(model, loader, optimizer, device, epoch, print_freq=50):
    model.train()
    meter = LossMeter("loss")
    t0 = time.time()
    for i, (img, kpts, vis) in enumerate(loader):
        img, kpts, vis = img.to(device), kpts.to(device), vis.to(device)
        loss = keypoint_loss(model(img), kpts, vis)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        meter.update(loss, img.size(0))
        if i % print_freq == 0:
            log.info("Epoch [%d][%d/%d] %s", epoch, i, len(loader), meter)
    log.info("epoch %d done in %.1fs, %s", epoch, time.time() - t0, meter)
    return float(meter.avg)


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    scores = []
    for img, kpts, vis in loader:
        scores.append(pck(model(img.to(device)).cpu(), kpts, vis))
    return sum(scores) / len(scores)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--work-dir", default="work_dirs/kpt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_loader = DataLoader(PoseData(6000), batch_size=args.bs, shuffle=True, num_workers=4)
    val_loader = DataLoader(PoseData(800, seed=1), batch_size=64, num_workers=4)
    model = SimpleBaseline().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[25, 35], gamma=0.1)
    os.makedirs(args.work_dir, exist_ok=True)
    best = 0.0
    for epoch in range(args.epochs):
        train_one_epoch(model, train_loader, optimizer, device, epoch)
        scheduler.step()
        score = evaluate(model, val_loader, device)
        log.info("epoch %d PCK@0.05 %.4f", epoch, score)
        if score > best:
            best = score
            torch.save(model.state_dict(), os.path.join(args.work_dir, "best_pck.pth"))


if __name__ == "__main__":
    main()
