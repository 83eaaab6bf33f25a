# expect: TVL016
# style: Trainer with AMP and a clip_gradients() helper, speech enhancement
# bug: Trainer.backward_and_step() calls self.clip_gradients() (clip_grad_norm_) before self.scaler.unscale_(), so the clip threshold is applied to scaled gradients.
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


class MaskEstimator(nn.Module):
    def __init__(self, n_freq=257, hid=256):
        super().__init__()
        self.lstm = nn.LSTM(n_freq, hid, 2, batch_first=True)
        self.out = nn.Linear(hid, n_freq)

    def forward(self, mag):
        h, _ = self.lstm(mag)
        return torch.sigmoid(self.out(h))


class Trainer:
    def __init__(self, model, lr, max_norm=5.0, use_amp=True):
        self.model = model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.scaler = torch.cuda.amp.GradScaler(enabled=use_amp)
        self.use_amp = use_amp
        self.max_norm = max_norm

    def clip_gradients(self):
        return nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)

    def backward_and_step(self, loss):
        self.opt.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        norm = self.clip_gradients()
        self.scaler.unscale_(self.opt)
        self.scaler.step(self.opt)
        self.scaler.update()
        return norm

    def train_epoch(self, loader):
        self.model.train()
        meter = AverageMeter()
        for noisy, clean in loader:
            with torch.autocast("cuda", enabled=self.use_amp):
                mask = self.model(noisy)
                loss = F.mse_loss(mask * noisy, clean)
            self.backward_and_step(loss)
            meter.update(loss.item(), noisy.size(0))
        return meter.avg


def main():
    args = parse_args()
    set_seed(args.seed)
    clean = torch.rand(800, 100, 257)
    noisy = clean + 0.3 * torch.rand(800, 100, 257)
    loader = DataLoader(TensorDataset(noisy, clean), batch_size=args.batch_size, shuffle=True)
    trainer = Trainer(MaskEstimator(), args.lr, use_amp=torch.cuda.is_available())
    for epoch in range(args.epochs):
        loss = trainer.train_epoch(loader)
        logger.info("epoch %d mse %.5f", epoch, loss)
        save_checkpoint({"model": trainer.model.state_dict(), "scaler": trainer.scaler.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
