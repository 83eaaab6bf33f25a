# expect: clean
# style: custom attention encoder, protein sequence classification
# note: A boolean mask is passed to F.scaled_dot_product_attention, and it is built as positions < length (True = real key), which is SDPA's 'may attend' convention.
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


class Attention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)

    def forward(self, x, keep):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=keep[:, None, None, :])
        return self.o(out.transpose(1, 2).reshape(b, t, d))


class ProteinEncoder(nn.Module):
    def __init__(self, n_aa=25, d=128, h=8, n=3, n_cls=10):
        super().__init__()
        self.emb = nn.Embedding(n_aa, d, padding_idx=0)
        self.layers = nn.ModuleList([Attention(d, h) for _ in range(n)])
        self.norms = nn.ModuleList([nn.LayerNorm(d) for _ in range(n)])
        self.fc = nn.Linear(d, n_cls)

    def forward(self, seq, lengths):
        keep = torch.arange(seq.size(1), device=seq.device)[None, :] < lengths[:, None]
        h = self.emb(seq)
        for attn, norm in zip(self.layers, self.norms):
            h = h + attn(norm(h), keep)
        m = keep.unsqueeze(-1).float()
        return self.fc((h * m).sum(1) / m.sum(1))


args = parse_args()
set_seed(args.seed)
n, L = 3000, 200
lengths = torch.randint(30, L + 1, (n,))
seqs = torch.randint(1, 25, (n, L))
seqs[torch.arange(L)[None, :] >= lengths[:, None]] = 0
labels = torch.randint(0, 10, (n,))
loader = DataLoader(TensorDataset(seqs, lengths, labels), batch_size=args.batch_size, shuffle=True)
model = ProteinEncoder().to(args.device)
opt = torch.optim.Adam(model.parameters(), lr=args.lr)
for epoch in range(args.epochs):
    model.train()
    meter = AverageMeter()
    for s, l, y in loader:
        s, l, y = s.to(args.device), l.to(args.device), y.to(args.device)
        opt.zero_grad()
        loss = F.cross_entropy(model(s, l), y)
        loss.backward()
        opt.step()
        meter.update(loss.item(), s.size(0))
    logger.info("epoch %d loss %.4f", epoch, meter.avg)
save_checkpoint({"model": model.state_dict()}, args.out_dir)
