# expect: clean
# style: ConvNeXt-like block with learnable layer scale
# note: The per-channel layer scale is a tensor attribute, but it is wrapped in nn.Parameter, and the fixed constant is registered as a buffer.
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


class ConvNeXtBlock(nn.Module):
    def __init__(self, dim, init_scale=1e-6):
        super().__init__()
        self.dw = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = nn.LayerNorm(dim)
        self.pw1 = nn.Linear(dim, 4 * dim)
        self.pw2 = nn.Linear(4 * dim, dim)
        self.gamma = nn.Parameter(init_scale * torch.ones(dim))
        self.register_buffer("drop_prob", torch.tensor(0.1))

    def forward(self, x):
        h = self.dw(x).permute(0, 2, 3, 1)
        h = self.pw2(F.gelu(self.pw1(self.norm(h))))
        h = (self.gamma * h).permute(0, 3, 1, 2)
        if self.training:
            keep = (torch.rand(x.size(0), 1, 1, 1, device=x.device) > self.drop_prob).float()
            h = h * keep / (1 - self.drop_prob)
        return x + h


class TinyConvNeXt(nn.Module):
    def __init__(self, n_cls=10, dim=64):
        super().__init__()
        self.stem = nn.Conv2d(3, dim, 4, 4)
        self.stages = nn.Sequential(*[ConvNeXtBlock(dim) for _ in range(3)])
        self.head = nn.Linear(dim, n_cls)

    def forward(self, x):
        return self.head(self.stages(self.stem(x)).mean((2, 3)))


args = parse_args()
set_seed(args.seed)
loader = DataLoader(TensorDataset(torch.randn(2500, 3, 64, 64), torch.randint(0, 10, (2500,))),
                    batch_size=args.batch_size, shuffle=True)
model = TinyConvNeXt().to(args.device)
opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
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
    logger.info("epoch %d loss %.4f gamma_mean %.2e", epoch, meter.avg, model.stages[0].gamma.mean().item())
save_checkpoint({"model": model.state_dict()}, args.out_dir)
