# expect: clean
# style: WGAN with weight clipping
# note: p.data.clamp_() and fake.detach() appear in the loop, but they are the standard critic weight clipping and critic-step detach; the generator loss still flows through G.
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


nz = 32
G = nn.Sequential(nn.Linear(nz, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2))
C = nn.Sequential(nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 1))


def sample_real(n):
    angles = torch.rand(n) * 2 * np.pi
    return torch.stack([angles.cos(), angles.sin()], 1) * 2 + 0.05 * torch.randn(n, 2)


args = parse_args(lambda p: p.add_argument("--n-critic", type=int, default=5))
set_seed(args.seed)
opt_c = torch.optim.RMSprop(C.parameters(), lr=5e-5)
opt_g = torch.optim.RMSprop(G.parameters(), lr=5e-5)
loader = DataLoader(TensorDataset(sample_real(20000)), batch_size=args.batch_size, shuffle=True, drop_last=True)
for epoch in range(args.epochs):
    for i, (real,) in enumerate(loader):
        fake = G(torch.randn(real.size(0), nz))
        opt_c.zero_grad()
        loss_c = C(fake.detach()).mean() - C(real).mean()
        loss_c.backward()
        opt_c.step()
        for p in C.parameters():
            p.data.clamp_(-0.01, 0.01)
        if i % args.n_critic == 0:
            opt_g.zero_grad()
            loss_g = -C(G(torch.randn(real.size(0), nz))).mean()
            loss_g.backward()
            opt_g.step()
    with torch.no_grad():
        radius = G(torch.randn(1000, nz)).norm(dim=1).mean().item()
    logger.info("epoch %d critic %.4f gen %.4f mean_radius %.3f", epoch, loss_c.item(), loss_g.item(), radius)
save_checkpoint({"G": G.state_dict(), "C": C.state_dict()}, args.out_dir)
