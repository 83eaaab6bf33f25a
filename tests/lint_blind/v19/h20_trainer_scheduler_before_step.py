# expect: TVL007
# style: engine-style trainer for an image-regression (age estimation) model with a warmup scheduler helper
# bug: `Engine._update` advances the LR scheduler before calling optimizer.step(), so the first LR value of the schedule is skipped and every step uses the next step's LR
import argparse
import logging
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("engine")


def build_scheduler(optimizer, kind, total_steps, warmup_steps):
    if kind == "cosine":
        def lr_lambda(step):
            if step < warmup_steps:
                return (step + 1) / warmup_steps
            progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
            return 0.5 * (1.0 + math.cos(math.pi * progress))
    elif kind == "constant":
        def lr_lambda(step):
            return min(1.0, (step + 1) / warmup_steps)
    else:
        raise ValueError(kind)
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)


class AgeRegressor(nn.Module):
    def __init__(self, width=32):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.SiLU(),
            nn.Conv2d(width, 2 * width, 3, 2, 1), nn.BatchNorm2d(2 * width), nn.SiLU(),
            nn.Conv2d(2 * width, 4 * width, 3, 2, 1), nn.BatchNorm2d(4 * width), nn.SiLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Linear(4 * width, 1)

    def forward(self, x):
        return self.head(self.body(x)).squeeze(-1)


class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(1, self.count)


class Engine:
    def __init__(self, model, optimizer, scheduler, device, clip=None):
        self.model = model
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.device = device
        self.clip = clip
        self.iteration = 0

    def _update(self, loss):
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self.clip:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
        self.scheduler.step()
        self.optimizer.step()
        self.iteration += 1

    def train_epoch(self, loader, epoch):
        self.model.train()
        meter = AverageMeter()
        t0 = time.time()
        for x, age in loader:
            x, age = x.to(self.device), age.to(self.device)
            pred = self.model(x)
            loss = F.smooth_l1_loss(pred, age)
            self._update(loss)
            meter.update(loss.item(), x.size(0))
            if self.iteration % 50 == 0:
                logger.info("ep %d it %d loss %.3f lr %.2e", epoch, self.iteration, meter.avg,
                            self.optimizer.param_groups[0]["lr"])
        return meter.avg, time.time() - t0

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        mae = AverageMeter()
        for x, age in loader:
            pred = self.model(x.to(self.device))
            mae.update((pred - age.to(self.device)).abs().mean().item(), x.size(0))
        self.model.train()
        return mae.avg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--sched", default="cosine", choices=["cosine", "constant"])
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--ckpt", default="ckpt/age")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    tr = TensorDataset(torch.randn(8000, 3, 64, 64), torch.rand(8000) * 80)
    va = TensorDataset(torch.randn(1000, 3, 64, 64), torch.rand(1000) * 80)
    train_loader = DataLoader(tr, batch_size=64, shuffle=True, num_workers=4, pin_memory=True)
    val_loader = DataLoader(va, batch_size=256, num_workers=4)

    model = AgeRegressor().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    scheduler = build_scheduler(optimizer, args.sched, args.epochs * len(train_loader), args.warmup)
    engine = Engine(model, optimizer, scheduler, device, clip=2.0)

    os.makedirs(args.ckpt, exist_ok=True)
    best = float("inf")
    for epoch in range(args.epochs):
        loss, dt = engine.train_epoch(train_loader, epoch)
        mae = engine.evaluate(val_loader)
        logger.info("epoch %d train %.3f val MAE %.3f (%.0fs)", epoch, loss, mae, dt)
        if mae < best:
            best = mae
            torch.save({"model": model.state_dict(), "epoch": epoch, "mae": mae}, os.path.join(args.ckpt, "best.pth"))


if __name__ == "__main__":
    main()
