# expect: clean
# style: gradient accumulation, long-document classifier
# note: zero_grad() is only called every accum_steps batches, which is intended gradient accumulation: it follows each optimizer.step().
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


class DocModel(nn.Module):
    def __init__(self, vocab=30000, d=128):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, d, mode="mean")
        self.mlp = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 20))

    def forward(self, tok):
        return self.mlp(self.emb(tok))


def main():
    args = parse_args(lambda p: p.add_argument("--accum-steps", type=int, default=4))
    set_seed(args.seed)
    ds = TensorDataset(torch.randint(0, 30000, (8000, 512)), torch.randint(0, 20, (8000,)))
    loader = DataLoader(ds, batch_size=8, shuffle=True, drop_last=True)
    model = DocModel().to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    updates = 0
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        opt.zero_grad()
        for i, (tok, y) in enumerate(loader):
            tok, y = tok.to(args.device), y.to(args.device)
            loss = F.cross_entropy(model(tok), y) / args.accum_steps
            loss.backward()
            meter.update(loss.item() * args.accum_steps, tok.size(0))
            if (i + 1) % args.accum_steps == 0:
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                opt.zero_grad()
                updates += 1
                if updates % args.log_every == 0:
                    logger.info("update %d loss %.4f", updates, meter.avg)
        logger.info("epoch %d loss %.4f", epoch, meter.avg)
    save_checkpoint({"model": model.state_dict(), "updates": updates}, args.out_dir)


if __name__ == "__main__":
    main()
