# expect: clean
# style: AMP Trainer class, segmentation
# note: Mixed precision with clipping: scaler.unscale_() runs before clip_grad_norm_, then scaler.step() and scaler.update(), split across helper methods.
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


class SegNet(nn.Module):
    def __init__(self, n_cls=21):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.dec = nn.Sequential(nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.ReLU(), nn.ConvTranspose2d(32, n_cls, 4, 2, 1))

    def forward(self, x):
        return self.dec(self.enc(x))


class AmpTrainer:
    def __init__(self, model, lr, max_norm=1.0):
        self.model = model
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr)
        self.enabled = torch.cuda.is_available()
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.enabled)
        self.max_norm = max_norm

    def _clip(self):
        self.scaler.unscale_(self.opt)
        return nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)

    def _apply(self):
        self.scaler.step(self.opt)
        self.scaler.update()

    def step(self, img, mask):
        self.opt.zero_grad(set_to_none=True)
        with torch.autocast("cuda", enabled=self.enabled):
            loss = F.cross_entropy(self.model(img), mask, ignore_index=255)
        self.scaler.scale(loss).backward()
        gnorm = self._clip()
        self._apply()
        return loss.item(), gnorm.item()


def main():
    args = parse_args()
    set_seed(args.seed)
    ds = TensorDataset(torch.randn(400, 3, 128, 128), torch.randint(0, 21, (400, 128, 128)))
    loader = DataLoader(ds, batch_size=8, shuffle=True, num_workers=2)
    trainer = AmpTrainer(SegNet().to(args.device), args.lr)
    for epoch in range(args.epochs):
        trainer.model.train()
        meter = AverageMeter()
        for img, mask in loader:
            loss, gnorm = trainer.step(img.to(args.device), mask.to(args.device))
            meter.update(loss, img.size(0))
        logger.info("epoch %d loss %.4f last_gnorm %.3f", epoch, meter.avg, gnorm)
        save_checkpoint({"model": trainer.model.state_dict(), "scaler": trainer.scaler.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
