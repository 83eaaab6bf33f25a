# expect: TVL014
# style: fine-tuning script reading PRETRAINED_CKPT from the environment
# bug: load_pretrained() is given os.environ['PRETRAINED_CKPT'] from main() and calls torch.load(path, map_location='cpu') without weights_only=True.
# ---- utils (copied from the project's common/ folder) ----
import argparse
import logging
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger(__file__)
logger.addHandler(logging.StreamHandler(sys.stdout))
logger.setLevel(logging.INFO)


def set_seed(seed: int) -> None:
    torch.manual_seed(seed)
    np.random.seed(seed)


def parse_args(extra=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out-dir", default="checkpoints")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--log-every", type=int, default=100)
    if extra is not None:
        extra(ap)
    return ap.parse_args()


class AverageMeter:
    """Tracks a running average of a python number."""

    def __init__(self, name=""):
        self.name = name
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / self.count if self.count else 0.0

    def __repr__(self):
        return f"{self.name}={self.avg:.4f}"


def save_checkpoint(state, out_dir, name="model.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    return path


class Timer:
    def __enter__(self):
        self.t0 = time.time()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.time() - self.t0


class Encoder(nn.Module):
    def __init__(self, d=256):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(128, d), nn.GELU(), nn.Linear(d, d), nn.GELU())

    def forward(self, x):
        return self.net(x)


class Finetuner(nn.Module):
    def __init__(self, encoder, n_cls):
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(256, n_cls)

    def forward(self, x):
        return self.head(self.encoder(x))


def load_pretrained(encoder, path):
    state = torch.load(path, map_location="cpu")
    if "state_dict" in state:
        state = state["state_dict"]
    state = {k.replace("module.encoder.", ""): v for k, v in state.items() if k.startswith("module.encoder.")}
    missing, unexpected = encoder.load_state_dict(state, strict=False)
    logger.info("loaded %s (missing=%d unexpected=%d)", path, len(missing), len(unexpected))
    return encoder


def main():
    args = parse_args()
    set_seed(args.seed)
    encoder = Encoder()
    ckpt_path = os.environ.get("PRETRAINED_CKPT")
    if ckpt_path:
        encoder = load_pretrained(encoder, ckpt_path)
    model = Finetuner(encoder, n_cls=10).to(args.device)
    x, y = torch.randn(4000, 128), torch.randint(0, 10, (4000,))
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True)
    opt = torch.optim.AdamW([{"params": model.encoder.parameters(), "lr": args.lr * 0.1},
                             {"params": model.head.parameters(), "lr": args.lr}])
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
