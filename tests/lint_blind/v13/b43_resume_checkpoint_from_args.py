# expect: TVL014
# style: research repo with argparse --resume and a load_checkpoint() helper, semantic segmentation
# bug: load_checkpoint(path) calls torch.load(path, map_location="cpu") on the --resume path from the command line without weights_only=True
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("seg")


class FCNHead(nn.Module):
    def __init__(self, n_cls=21):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU())
        self.classifier = nn.Conv2d(128, n_cls, 1)

    def forward(self, x):
        out = self.classifier(self.backbone(x))
        return F.interpolate(out, size=x.shape[-2:], mode="bilinear", align_corners=False)


def save_checkpoint(path, model, optimizer, scheduler, epoch, best_miou):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(), "epoch": epoch, "best_miou": best_miou}, path)


def load_checkpoint(path, model, optimizer=None, scheduler=None):
    ckpt = torch.load(path, map_location="cpu")
    model.load_state_dict(ckpt["model"])
    if optimizer is not None and "optimizer" in ckpt:
        optimizer.load_state_dict(ckpt["optimizer"])
    if scheduler is not None and "scheduler" in ckpt:
        scheduler.load_state_dict(ckpt["scheduler"])
    return ckpt.get("epoch", -1) + 1, ckpt.get("best_miou", 0.0)


def miou(pred, target, n_cls, ignore=255):
    ious = []
    valid = target != ignore
    for c in range(n_cls):
        p, t = (pred == c) & valid, (target == c) & valid
        union = (p | t).sum().item()
        if union:
            ious.append((p & t).sum().item() / union)
    return sum(ious) / max(len(ious), 1)


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--resume", default="", help="path to checkpoint to resume from")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--work-dir", default="work_dirs/fcn")
    return p.parse_args()


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.work_dir, exist_ok=True)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = FCNHead().to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.PolynomialLR(opt, total_iters=args.epochs, power=0.9)
    start_epoch, best = 0, 0.0
    if args.resume:
        start_epoch, best = load_checkpoint(args.resume, model, opt, sched)
        logger.info("resumed from %s at epoch %d (lr %.5f)", args.resume, start_epoch, sched.get_last_lr()[0])

    imgs, masks = torch.rand(600, 3, 64, 64), torch.randint(0, 21, (600, 64, 64))
    train_dl = DataLoader(TensorDataset(imgs[:500], masks[:500]), batch_size=16, shuffle=True)
    val_dl = DataLoader(TensorDataset(imgs[500:], masks[500:]), batch_size=32)

    for epoch in range(start_epoch, args.epochs):
        model.train()
        for x, y in train_dl:
            x, y = x.to(dev), y.to(dev)
            loss = F.cross_entropy(model(x), y, ignore_index=255)
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        scores = []
        with torch.no_grad():
            for x, y in val_dl:
                scores.append(miou(model(x.to(dev)).argmax(1).cpu(), y, 21))
        m = sum(scores) / len(scores)
        logger.info("epoch %d mIoU %.4f", epoch, m)
        best = max(best, m)
        save_checkpoint(os.path.join(args.work_dir, "latest.pth"), model, opt, sched, epoch, best)


if __name__ == "__main__":
    main()
