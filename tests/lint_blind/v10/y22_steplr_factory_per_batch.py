# expect: TVL007
# style: config-dict factory, detection-style trainer
# bug: build_scheduler() creates StepLR(step_size=cfg['lr_step_epochs']) sized in epochs, but train_one_epoch() calls scheduler.step() after every batch.
import argparse
import json
import logging
import math
import os
import time
from collections import defaultdict

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger(__name__)
logger = log


def parse_args(extra=None):
    parser = argparse.ArgumentParser(description="training script")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out-dir", type=str, default="./outputs")
    parser.add_argument("--device", type=str, default="cuda")
    parser.add_argument("--log-every", type=int, default=20)
    if extra:
        extra(parser)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        args.device = "cpu"
    return args


def set_seed(seed):
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(1, self.count)


def dump_metrics(history, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(history, f, indent=2)


def save_checkpoint(state, out_dir, name="checkpoint.pt"):
    os.makedirs(out_dir, exist_ok=True)
    torch.save(state, os.path.join(out_dir, name))


CONFIG = {
    "lr": 0.02,
    "momentum": 0.9,
    "weight_decay": 1e-4,
    "lr_step_epochs": 8,
    "lr_gamma": 0.1,
    "epochs": 12,
}


class BoxRegressor(nn.Module):
    def __init__(self, n_cls=20):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d(4), nn.Flatten())
        self.cls = nn.Linear(64 * 16, n_cls)
        self.box = nn.Linear(64 * 16, 4)

    def forward(self, x):
        f = self.backbone(x)
        return self.cls(f), self.box(f)


def build_optimizer(model, cfg):
    return torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=cfg["momentum"],
                           weight_decay=cfg["weight_decay"])


def build_scheduler(optimizer, cfg):
    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=cfg["lr_step_epochs"], gamma=cfg["lr_gamma"])


def train_one_epoch(model, loader, optimizer, scheduler, device, epoch, log_every):
    model.train()
    meters = {"cls": AverageMeter(), "box": AverageMeter()}
    for i, (img, label, box) in enumerate(loader):
        img, label, box = img.to(device), label.to(device), box.to(device)
        logits, pred_box = model(img)
        l_cls = F.cross_entropy(logits, label)
        l_box = F.smooth_l1_loss(pred_box, box)
        loss = l_cls + 2.0 * l_box
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        meters["cls"].update(l_cls.item(), img.size(0))
        meters["box"].update(l_box.item(), img.size(0))
        if i % log_every == 0:
            logger.info("ep %d it %d cls %.3f box %.3f lr %.4f", epoch, i, meters["cls"].avg,
                        meters["box"].avg, optimizer.param_groups[0]["lr"])


def main():
    args = parse_args()
    set_seed(args.seed)
    ds = TensorDataset(torch.randn(1600, 3, 128, 128), torch.randint(0, 20, (1600,)), torch.rand(1600, 4))
    loader = DataLoader(ds, batch_size=16, shuffle=True, num_workers=4)
    model = BoxRegressor().to(args.device)
    optimizer = build_optimizer(model, CONFIG)
    scheduler = build_scheduler(optimizer, CONFIG)
    for epoch in range(CONFIG["epochs"]):
        train_one_epoch(model, loader, optimizer, scheduler, args.device, epoch, args.log_every)
        save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                         "scheduler": scheduler.state_dict(), "epoch": epoch}, args.out_dir)


if __name__ == "__main__":
    main()
