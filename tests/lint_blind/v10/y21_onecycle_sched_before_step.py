# expect: TVL007
# style: fastai-like one-cycle training, image regression (keypoints)
# bug: scheduler.step() is called before optimizer.step() inside the batch loop.
import argparse
import logging
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger("train")


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default="runs/exp")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--log-every", type=int, default=50)
    if extra is not None:
        extra(p)
    return p.parse_args()


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def save_checkpoint(state, out_dir, name="last.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    logger.info("saved checkpoint -> %s", path)
    return path


class KeypointNet(nn.Module):
    def __init__(self, n_kp=15):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                  nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(128, n_kp * 2)

    def forward(self, x):
        return self.head(self.body(x))


args = parse_args()
set_seed(args.seed)
imgs = torch.randn(2140, 1, 96, 96)
kps = torch.rand(2140, 30)
train_loader = DataLoader(TensorDataset(imgs[:1900], kps[:1900]), batch_size=args.batch_size, shuffle=True)
val_loader = DataLoader(TensorDataset(imgs[1900:], kps[1900:]), batch_size=128)

model = KeypointNet().to(args.device)
optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=1e-2, epochs=args.epochs,
                                                steps_per_epoch=len(train_loader))
for epoch in range(args.epochs):
    model.train()
    meter = AverageMeter("mse")
    for x, y in train_loader:
        x, y = x.to(args.device), y.to(args.device)
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        scheduler.step()
        optimizer.step()
        meter.update(loss.item(), x.size(0))
    model.eval()
    with torch.no_grad():
        val = sum(F.mse_loss(model(x.to(args.device)), y.to(args.device), reduction="sum").item()
                  for x, y in val_loader) / (len(val_loader.dataset) * 30)
    model.train()
    logger.info("epoch %d train %.5f val %.5f lr %.2e", epoch, meter.avg, val, scheduler.get_last_lr()[0])
save_checkpoint({"model": model.state_dict()}, args.out_dir)
