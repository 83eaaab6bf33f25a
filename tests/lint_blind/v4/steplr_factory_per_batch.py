# expect: TVL007
# style: config-dict + factory functions (mmcv/OpenMMLab-ish build_* helpers) for an image classifier
# bug: build_scheduler() makes an epoch-based StepLR(step_size=30 epochs) but run_epoch() steps it after every batch, so the LR decays 10x every 30 iterations
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {
    "model": {"width": 64, "num_classes": 10},
    "optimizer": {"type": "SGD", "lr": 0.1, "momentum": 0.9, "weight_decay": 5e-4},
    "lr_config": {"type": "StepLR", "step_size": 30, "gamma": 0.1},
    "data": {"batch_size": 128},
    "total_epochs": 90,
}


def build_model(cfg):
    w = cfg["width"]
    return nn.Sequential(nn.Conv2d(3, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(w, cfg["num_classes"]))


def build_optimizer(model, cfg):
    cfg = dict(cfg)
    opt_cls = getattr(torch.optim, cfg.pop("type"))
    return opt_cls(model.parameters(), **cfg)


def build_scheduler(optimizer, cfg):
    cfg = dict(cfg)
    sched_cls = getattr(torch.optim.lr_scheduler, cfg.pop("type"))
    return sched_cls(optimizer, **cfg)


def run_epoch(model, loader, optimizer, scheduler, criterion):
    model.train()
    n, loss_sum = 0, 0.0
    for x, y in loader:
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        loss_sum += loss.item() * x.size(0)
        n += x.size(0)
    return loss_sum / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=CONFIG["total_epochs"])
    args = ap.parse_args()
    model = build_model(CONFIG["model"])
    optimizer = build_optimizer(model, CONFIG["optimizer"])
    scheduler = build_scheduler(optimizer, CONFIG["lr_config"])
    ds = TensorDataset(torch.randn(2560, 3, 32, 32), torch.randint(0, 10, (2560,)))
    loader = DataLoader(ds, batch_size=CONFIG["data"]["batch_size"], shuffle=True)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(args.epochs):
        avg = run_epoch(model, loader, optimizer, scheduler, criterion)
        print(f"Epoch [{epoch + 1}/{args.epochs}] loss: {avg:.4f} lr: {scheduler.get_last_lr()[0]:.5f}")


if __name__ == "__main__":
    main()
