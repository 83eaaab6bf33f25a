# expect: TVL003
# style: YOLOv5/ultralytics-like detector trainer (accumulate + nominal batch size)
# bug: the loop backward()s every batch and steps every `accumulate` batches but never calls optimizer.zero_grad(), so gradients pile up for the whole run
import argparse
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class TinyDetector(nn.Module):
    def __init__(self, nc=3, na=3):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 16, 3, 2, 1), nn.SiLU(),
            nn.Conv2d(16, 32, 3, 2, 1), nn.SiLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.SiLU(),
        )
        self.detect = nn.Conv2d(64, na * (5 + nc), 1)

    def forward(self, x):
        return self.detect(self.backbone(x))


def compute_loss(pred, target):
    obj = nn.functional.binary_cross_entropy_with_logits(pred[:, 4::8], target[:, 4::8])
    box = (pred[:, 0:4] - target[:, 0:4]).abs().mean()
    return obj + 0.05 * box


def train(opt):
    model = TinyDetector()
    nbs = 64
    accumulate = max(round(nbs / opt.batch_size), 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=opt.lr0, momentum=0.937, nesterov=True)
    lf = lambda x: ((1 - math.cos(x * math.pi / opt.epochs)) / 2) * (0.01 - 1) + 1
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lf)
    ds = TensorDataset(torch.randn(256, 3, 128, 128), torch.rand(256, 24, 16, 16))
    train_loader = DataLoader(ds, batch_size=opt.batch_size, shuffle=True, num_workers=0)
    nb = len(train_loader)
    last_opt_step = -1
    for epoch in range(opt.epochs):
        model.train()
        mloss = 0.0
        for i, (imgs, targets) in enumerate(train_loader):
            ni = i + nb * epoch
            pred = model(imgs)
            loss = compute_loss(pred, targets)
            loss.backward()
            if ni - last_opt_step >= accumulate:
                optimizer.step()
                last_opt_step = ni
            mloss = (mloss * i + loss.item()) / (i + 1)
        scheduler.step()
        print(f"{epoch}/{opt.epochs - 1}  loss {mloss:.4f}  lr {optimizer.param_groups[0]['lr']:.5f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr0", type=float, default=0.01)
    train(p.parse_args())
