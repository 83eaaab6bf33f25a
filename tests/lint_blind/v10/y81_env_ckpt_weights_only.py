# expect: clean
# style: fine-tuning from a path given in the environment
# note: The checkpoint path comes from os.environ, but restore_backbone() calls torch.load(path, map_location='cpu', weights_only=True).
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


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv1d(12, 64, 7, padding=3), nn.ReLU(), nn.Conv1d(64, 64, 7, padding=3), nn.ReLU(),
                                  nn.AdaptiveAvgPool1d(1), nn.Flatten())

    def forward(self, x):
        return self.body(x)


class ECGClassifier(nn.Module):
    def __init__(self, n_cls=5):
        super().__init__()
        self.backbone = Backbone()
        self.fc = nn.Linear(64, n_cls)

    def forward(self, x):
        return self.fc(self.backbone(x))


def restore_backbone(model, path):
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.backbone.load_state_dict(state, strict=False)
    logger.info("restored backbone from %s", path)


def main():
    args = parse_args()
    set_seed(args.seed)
    model = ECGClassifier()
    path = os.environ.get("ECG_BACKBONE_CKPT", "")
    if path and os.path.exists(path):
        restore_backbone(model, path)
    model = model.to(args.device)
    x, y = torch.randn(3000, 12, 1000), torch.randint(0, 5, (3000,))
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for xb, yb in loader:
            xb, yb = xb.to(args.device), yb.to(args.device)
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            meter.update(loss.item(), xb.size(0))
        logger.info("epoch %d loss %.4f", epoch, meter.avg)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
