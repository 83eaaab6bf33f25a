# expect: TVL011
# style: research script, VAE on images with spike protection
# bug: optimizer.step() is skipped whenever the clipped-before norm exceeds a threshold, with no counter or log of the skipped steps.
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


class VAE(nn.Module):
    def __init__(self, d_in=784, z=16):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d_in, 400), nn.ReLU())
        self.mu = nn.Linear(400, z)
        self.logvar = nn.Linear(400, z)
        self.dec = nn.Sequential(nn.Linear(z, 400), nn.ReLU(), nn.Linear(400, d_in))

    def forward(self, x):
        h = self.enc(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
        return self.dec(z), mu, logvar


def elbo(recon_logits, x, mu, logvar):
    rec = F.binary_cross_entropy_with_logits(recon_logits, x, reduction="sum")
    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return (rec + kl) / x.size(0)


def main():
    args = parse_args(lambda p: p.add_argument("--skip-norm", type=float, default=1e3))
    set_seed(args.seed)
    data = (torch.rand(10000, 784) > 0.5).float()
    loader = DataLoader(TensorDataset(data), batch_size=args.batch_size, shuffle=True)
    model = VAE().to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter("elbo")
        for (x,) in loader:
            x = x.to(args.device)
            opt.zero_grad()
            recon, mu, logvar = model(x)
            loss = elbo(recon, x, mu, logvar)
            loss.backward()
            grad_norm = nn.utils.clip_grad_norm_(model.parameters(), float("inf"))
            if grad_norm < args.skip_norm:
                opt.step()
            meter.update(loss.item(), x.size(0))
        logger.info("epoch %d -elbo %.3f", epoch, meter.avg)
        save_checkpoint({"model": model.state_dict(), "epoch": epoch}, args.out_dir)


if __name__ == "__main__":
    main()
