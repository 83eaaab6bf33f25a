# expect: clean
# style: model subclass extending a base forward, anomaly detection autoencoder
# note: A .forward( call appears, but it is super().forward(x) inside the subclass's own forward; the training loop calls model(x).
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


class AutoEncoder(nn.Module):
    def __init__(self, d_in=64, z=8):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d_in, 32), nn.ReLU(), nn.Linear(32, z))
        self.dec = nn.Sequential(nn.Linear(z, 32), nn.ReLU(), nn.Linear(32, d_in))

    def forward(self, x):
        return self.dec(self.enc(x))


class DenoisingAutoEncoder(AutoEncoder):
    def __init__(self, d_in=64, z=8, noise=0.1):
        super().__init__(d_in, z)
        self.noise = noise

    def forward(self, x):
        if self.training:
            x = x + self.noise * torch.randn_like(x)
        return super().forward(x)


def anomaly_scores(model, x):
    model.eval()
    with torch.no_grad():
        s = (model(x) - x).pow(2).mean(1)
    model.train()
    return s


def main():
    args = parse_args()
    set_seed(args.seed)
    normal = torch.randn(10000, 64)
    loader = DataLoader(TensorDataset(normal), batch_size=args.batch_size, shuffle=True)
    model = DenoisingAutoEncoder()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for (x,) in loader:
            opt.zero_grad()
            loss = F.mse_loss(model(x), x)
            loss.backward()
            opt.step()
            meter.update(loss.item(), x.size(0))
        test = torch.cat([torch.randn(200, 64), torch.randn(20, 64) * 3])
        s = anomaly_scores(model, test)
        logger.info("epoch %d recon %.4f mean_score normal %.3f anomalous %.3f", epoch, meter.avg,
                    s[:200].mean().item(), s[200:].mean().item())
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
