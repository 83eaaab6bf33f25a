# expect: clean
# style: BERT-style fine-tuning param groups
# note: Two param groups built by list comprehensions over named_parameters(), but the conditions are exact complements, so no parameter is in both and all are covered.
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


NO_DECAY = ("bias", "norm.weight")


class Encoder(nn.Module):
    def __init__(self, vocab=30522, d=256, n=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, 4, 4 * d, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, n)
        self.norm = nn.LayerNorm(d)
        self.qa = nn.Linear(d, 2)

    def forward(self, ids):
        return self.qa(self.norm(self.enc(self.emb(ids))))


def grouped_parameters(model, wd):
    named = list(model.named_parameters())
    decay = [p for n, p in named if not any(k in n for k in NO_DECAY)]
    no_decay = [p for n, p in named if any(k in n for k in NO_DECAY)]
    return [{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}]


def span_loss(logits, start, end):
    s, e = logits.unbind(-1)
    return (F.cross_entropy(s, start) + F.cross_entropy(e, end)) / 2


def main():
    args = parse_args()
    set_seed(args.seed)
    ids = torch.randint(0, 30522, (2000, 128))
    start = torch.randint(0, 128, (2000,))
    end = (start + torch.randint(0, 10, (2000,))).clamp(max=127)
    loader = DataLoader(TensorDataset(ids, start, end), batch_size=args.batch_size, shuffle=True)
    model = Encoder().to(args.device)
    opt = torch.optim.AdamW(grouped_parameters(model, 0.01), lr=3e-5)
    total = args.epochs * len(loader)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / total))
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for x, s, e in loader:
            x, s, e = x.to(args.device), s.to(args.device), e.to(args.device)
            opt.zero_grad()
            loss = span_loss(model(x), s, e)
            loss.backward()
            opt.step()
            sched.step()
            meter.update(loss.item(), x.size(0))
        logger.info("epoch %d loss %.4f", epoch, meter.avg)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
