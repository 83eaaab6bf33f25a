# expect: TVL012
# style: timm/ImageNet-reference-like train_one_epoch with an AverageMeter utility, pose/keypoint heatmap regression
# bug: train_one_epoch passes the loss tensor to AverageMeter.update, whose `self.sum += val * n` accumulates tensors with their graphs across the epoch.
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class AverageMeter:
    """Computes and stores the average and current value."""

    def __init__(self, name, fmt=":.4f"):
        self.name, self.fmt = name, fmt
        self.reset()

    def reset(self):
        self.val = 0
        self.sum = 0
        self.count = 0
        self.avg = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        return f"{self.name} {float(self.val):.4f} ({float(self.avg):.4f})"


class HeatmapNet(nn.Module):
    def __init__(self, n_joints=17):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, stride=2, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride=2, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        )
        self.head = nn.Conv2d(64, n_joints, 1)

    def forward(self, x):
        return self.head(self.backbone(x))


def train_one_epoch(model, loader, optimizer, epoch, print_freq=20):
    batch_time = AverageMeter("time")
    losses = AverageMeter("loss")
    model.train()
    end = time.time()
    for i, (img, target) in enumerate(loader):
        out = model(img)
        loss = F.mse_loss(out, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.update(loss, img.size(0))
        batch_time.update(time.time() - end)
        end = time.time()
        if i % print_freq == 0:
            print(f"Epoch [{epoch}][{i}/{len(loader)}]  {batch_time}  {losses}")
    return losses.avg


if __name__ == "__main__":
    imgs = torch.randn(1200, 3, 128, 128)
    heatmaps = torch.rand(1200, 17, 32, 32)
    loader = DataLoader(TensorDataset(imgs, heatmaps), batch_size=24, shuffle=True, num_workers=0)
    model = HeatmapNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for ep in range(10):
        avg = train_one_epoch(model, loader, opt, ep)
        print("epoch", ep, "avg loss", float(avg))
