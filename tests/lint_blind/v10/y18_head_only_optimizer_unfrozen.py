# expect: TVL006
# style: config-dict factory, fine-tuning a pretrained-style backbone
# bug: build_optimizer() with cfg['train_head_only']=True gives only the head's parameters to the optimizer, but the backbone is never frozen, so its gradients are computed and never applied.
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


CFG = {
    "model": {"width": 64, "n_classes": 37},
    "optim": {"name": "sgd", "lr": 0.01, "momentum": 0.9, "train_head_only": True},
    "data": {"batch_size": 48, "num_workers": 2},
}


class Classifier(nn.Module):
    def __init__(self, width, n_classes):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, 2 * width, 3, 2, 1), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(2 * width, n_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def build_model(cfg):
    return Classifier(**cfg["model"])


def build_optimizer(model, cfg):
    params = model.head.parameters() if cfg["train_head_only"] else model.parameters()
    if cfg["name"] == "sgd":
        return torch.optim.SGD(params, lr=cfg["lr"], momentum=cfg["momentum"])
    return torch.optim.Adam(params, lr=cfg["lr"])


def build_loader(cfg):
    ds = TensorDataset(torch.randn(1500, 3, 64, 64), torch.randint(0, 37, (1500,)))
    return DataLoader(ds, shuffle=True, **cfg)


def main():
    args = parse_args()
    set_seed(args.seed)
    model = build_model(CFG).to(args.device)
    opt = build_optimizer(model, CFG["optim"])
    loader = build_loader(CFG["data"])
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for x, y in loader:
            x, y = x.to(args.device), y.to(args.device)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            meter.update(loss.item(), x.size(0))
        logger.info("epoch %d loss %.4f", epoch, meter.avg)
        save_checkpoint({"model": model.state_dict(), "cfg": CFG}, args.out_dir)


if __name__ == "__main__":
    main()
