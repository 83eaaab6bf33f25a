# expect: clean
# style: session-based recommender with nn.MultiheadAttention
# note: key_padding_mask is built directly as (items == PAD), i.e. True at padding, which is what nn.MultiheadAttention expects.
import argparse
import logging
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger("train")


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default="runs/exp")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--log-every", type=int, default=50)
    if extra is not None:
        extra(p)
    return p.parse_args()


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def save_checkpoint(state, out_dir, name="last.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    logger.info("saved checkpoint -> %s", path)
    return path


PAD = 0


class SASRec(nn.Module):
    def __init__(self, n_items=5000, d=64, max_len=50):
        super().__init__()
        self.item = nn.Embedding(n_items + 1, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        self.attn = nn.MultiheadAttention(d, 2, batch_first=True, dropout=0.2)
        self.ff = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.ReLU(), nn.Linear(d, d))
        self.norm = nn.LayerNorm(d)

    def forward(self, items):
        t = items.size(1)
        h = self.item(items) + self.pos(torch.arange(t, device=items.device))
        causal = torch.triu(torch.ones(t, t, dtype=torch.bool, device=items.device), 1)
        pad = items == PAD
        a, _ = self.attn(h, h, h, attn_mask=causal, key_padding_mask=pad, need_weights=False)
        h = self.norm(h + a)
        return h + self.ff(h)


args = parse_args()
set_seed(args.seed)
n, L = 6000, 50
seqs = torch.randint(1, 5001, (n, L + 1))
lens = torch.randint(5, L + 1, (n,))
right_pad = torch.arange(L + 1)[None, :] > lens[:, None]
seqs[right_pad] = PAD
loader = DataLoader(TensorDataset(seqs), batch_size=args.batch_size, shuffle=True)
model = SASRec().to(args.device)
opt = torch.optim.Adam(model.parameters(), lr=args.lr)
for epoch in range(args.epochs):
    model.train()
    meter = AverageMeter()
    for (s,) in loader:
        s = s.to(args.device)
        inp, tgt = s[:, :-1], s[:, 1:]
        h = model(inp)
        logits = h @ model.item.weight.t()
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt.reshape(-1), ignore_index=PAD)
        opt.zero_grad()
        loss.backward()
        opt.step()
        meter.update(loss.item(), s.size(0))
    logger.info("epoch %d loss %.4f", epoch, meter.avg)
save_checkpoint({"model": model.state_dict()}, args.out_dir)
