# expect: clean
# style: research script, depth estimation with smoothed loss display
# note: The loss is .detach()-ed and .item()-ed, but only into an exponential moving average for logging; loss.backward() uses the attached loss.
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


class DepthNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.dec = nn.Sequential(nn.Upsample(scale_factor=4, mode="bilinear", align_corners=False), nn.Conv2d(64, 1, 3, padding=1))

    def forward(self, x):
        return F.softplus(self.dec(self.enc(x)))


def silog(pred, gt, lam=0.85):
    d = torch.log(pred + 1e-6) - torch.log(gt + 1e-6)
    return torch.sqrt((d ** 2).mean() - lam * d.mean() ** 2) * 10


args = parse_args()
set_seed(args.seed)
img, depth = torch.rand(800, 3, 96, 128), torch.rand(800, 1, 96, 128) * 10 + 0.1
loader = DataLoader(TensorDataset(img, depth), batch_size=16, shuffle=True)
model = DepthNet().to(args.device)
opt = torch.optim.Adam(model.parameters(), lr=args.lr)
ema_loss = None
for epoch in range(args.epochs):
    model.train()
    for i, (x, gt) in enumerate(loader):
        x, gt = x.to(args.device), gt.to(args.device)
        pred = model(x)
        loss = silog(pred, gt)
        opt.zero_grad()
        loss.backward()
        opt.step()
        cur = loss.detach()
        ema_loss = cur if ema_loss is None else 0.98 * ema_loss + 0.02 * cur
        if i % args.log_every == 0:
            abs_rel = ((pred.detach() - gt).abs() / gt).mean().item()
            logger.info("ep %d it %d silog(ema) %.4f abs_rel %.3f", epoch, i, ema_loss.item(), abs_rel)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)
