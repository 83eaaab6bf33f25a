# expect: clean
# style: research repo with --resume, optical-flow-like regression
# note: The checkpoint path comes from --resume, but load_checkpoint() calls torch.load(..., weights_only=True).
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


class FlowNetS(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(6, 32, 7, 2, 3), nn.LeakyReLU(0.1), nn.Conv2d(32, 64, 5, 2, 2), nn.LeakyReLU(0.1),
                                 nn.Conv2d(64, 128, 3, 2, 1), nn.LeakyReLU(0.1))
        self.dec = nn.Sequential(nn.ConvTranspose2d(128, 64, 4, 2, 1), nn.LeakyReLU(0.1),
                                 nn.ConvTranspose2d(64, 32, 4, 2, 1), nn.LeakyReLU(0.1),
                                 nn.ConvTranspose2d(32, 2, 4, 2, 1))

    def forward(self, a, b):
        return self.dec(self.enc(torch.cat([a, b], 1)))


def load_checkpoint(path, model, opt, device):
    ckpt = torch.load(path, map_location=device, weights_only=True)
    model.load_state_dict(ckpt["model"])
    opt.load_state_dict(ckpt["opt"])
    return int(ckpt["epoch"]) + 1


def epe(pred, gt):
    return (pred - gt).pow(2).sum(1).sqrt().mean()


def main():
    args = parse_args(lambda p: p.add_argument("--resume", default=None))
    set_seed(args.seed)
    a, b = torch.rand(600, 3, 64, 64), torch.rand(600, 3, 64, 64)
    flow = torch.randn(600, 2, 64, 64)
    loader = DataLoader(TensorDataset(a, b, flow), batch_size=8, shuffle=True)
    model = FlowNetS().to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.999))
    start = 0
    if args.resume:
        start = load_checkpoint(args.resume, model, opt, args.device)
        logger.info("resuming at epoch %d", start)
    for epoch in range(start, args.epochs):
        model.train()
        meter = AverageMeter("epe")
        for x1, x2, gt in loader:
            x1, x2, gt = x1.to(args.device), x2.to(args.device), gt.to(args.device)
            opt.zero_grad()
            loss = epe(model(x1, x2), gt)
            loss.backward()
            opt.step()
            meter.update(loss.item(), x1.size(0))
        logger.info("epoch %d epe %.4f", epoch, meter.avg)
        save_checkpoint({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch}, args.out_dir)


if __name__ == "__main__":
    main()
