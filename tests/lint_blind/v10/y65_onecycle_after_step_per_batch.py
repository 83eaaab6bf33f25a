# expect: clean
# style: Trainer with per-iteration scheduler, sentiment transformer
# note: The scheduler is stepped every batch, but it is OneCycleLR sized with total_steps = epochs * len(loader), and it is stepped after optimizer.step().
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


class Classifier(nn.Module):
    def __init__(self, vocab=16000, d=128, n_cls=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, 4, 256, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.fc = nn.Linear(d, n_cls)

    def forward(self, x):
        return self.fc(self.enc(self.emb(x)).mean(1))


def build_scheduler(opt, max_lr, epochs, steps_per_epoch):
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=epochs * steps_per_epoch,
                                               pct_start=0.1, anneal_strategy="linear")


class Trainer:
    def __init__(self, model, opt, sched):
        self.model, self.opt, self.sched = model, opt, sched
        self.step_num = 0

    def train_step(self, x, y):
        self.opt.zero_grad()
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.sched.step()
        self.step_num += 1
        return loss.item()


def main():
    args = parse_args()
    set_seed(args.seed)
    ds = TensorDataset(torch.randint(0, 16000, (6000, 64)), torch.randint(0, 3, (6000,)))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
    model = Classifier().to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    trainer = Trainer(model, opt, build_scheduler(opt, 5e-4, args.epochs, len(loader)))
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for x, y in loader:
            meter.update(trainer.train_step(x.to(args.device), y.to(args.device)), x.size(0))
        logger.info("epoch %d loss %.4f lr %.2e", epoch, meter.avg, trainer.sched.get_last_lr()[0])
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
