# expect: clean
# style: audio transfer learning: frozen feature extractor under no_grad, trainable head
# note: extract() runs the pretrained encoder under torch.no_grad() in the training loop, but the encoder is frozen and only the head (outside no_grad) is optimized, so the loss still reaches trained parameters.
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


class WaveEncoder(nn.Module):
    def __init__(self, d=128):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(1, 64, 10, 5), nn.GELU(), nn.Conv1d(64, d, 8, 4), nn.GELU(),
                                  nn.Conv1d(d, d, 4, 2), nn.GELU())

    def forward(self, wav):
        return self.conv(wav).transpose(1, 2)


class Head(nn.Module):
    def __init__(self, d=128, n_cls=35):
        super().__init__()
        self.proj = nn.Linear(d, d)
        self.fc = nn.Linear(d, n_cls)

    def forward(self, feats):
        return self.fc(torch.tanh(self.proj(feats)).mean(1))


def extract(encoder, wav):
    with torch.no_grad():
        return encoder(wav)


def main():
    args = parse_args()
    set_seed(args.seed)
    encoder = WaveEncoder().to(args.device)
    encoder.requires_grad_(False)
    encoder.eval()
    head = Head().to(args.device)
    opt = torch.optim.Adam(head.parameters(), lr=args.lr)
    ds = TensorDataset(torch.randn(2000, 1, 16000), torch.randint(0, 35, (2000,)))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
    for epoch in range(args.epochs):
        head.train()
        meter = AverageMeter()
        for wav, y in loader:
            wav, y = wav.to(args.device), y.to(args.device)
            feats = extract(encoder, wav)
            loss = F.cross_entropy(head(feats), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            meter.update(loss.item(), wav.size(0))
        logger.info("epoch %d loss %.4f", epoch, meter.avg)
    save_checkpoint({"head": head.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
