# expect: TVL007
# style: mmdetection-style config dict + separate train_one_epoch(model, loader, optimizer, scheduler) helper
# bug: MultiStepLR milestones are in epochs ([8, 11]) but train_one_epoch() calls scheduler.step() after every batch
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

cfg = dict(
    optimizer=dict(lr=0.02, momentum=0.9, weight_decay=1e-4),
    lr_config=dict(milestones=[8, 11], gamma=0.1),
    total_epochs=12,
    log_interval=10,
)


class SegHead(nn.Module):
    def __init__(self, num_classes=21):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.decode = nn.Conv2d(64, num_classes, 1)

    def forward(self, x):
        logits = self.decode(self.backbone(x))
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)


def train_one_epoch(model, loader, optimizer, scheduler, epoch, log_interval):
    model.train()
    for i, (img, seg) in enumerate(loader):
        loss = F.cross_entropy(model(img), seg, ignore_index=255)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        if i % log_interval == 0:
            print(f"Epoch [{epoch + 1}][{i}/{len(loader)}] lr: {optimizer.param_groups[0]['lr']:.5f}, loss: {loss.item():.4f}")


def build_dataloader(n=320, size=64, bs=8):
    imgs = torch.randn(n, 3, size, size)
    segs = torch.randint(0, 21, (n, size, size))
    return DataLoader(TensorDataset(imgs, segs), batch_size=bs, shuffle=True, drop_last=True)


def main():
    parser = argparse.ArgumentParser(description="Train a segmentor")
    parser.add_argument("--work-dir", default="work_dirs/seghead")
    args = parser.parse_args()
    model = SegHead()
    loader = build_dataloader()
    optimizer = torch.optim.SGD(model.parameters(), **cfg["optimizer"])
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, **cfg["lr_config"])
    for epoch in range(cfg["total_epochs"]):
        train_one_epoch(model, loader, optimizer, scheduler, epoch, cfg["log_interval"])
        torch.save({"state_dict": model.state_dict(), "epoch": epoch + 1}, f"{args.work_dir}_epoch_{epoch + 1}.pth")


if __name__ == "__main__":
    main()
