# expect: TVL010
# style: custom attention block, time-series imputation
# bug: The SDPA boolean attn_mask is built as (obs_mask == 0), i.e. True at missing/padded steps, but SDPA treats True as 'may attend'.
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


class MaskedSelfAttention(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x, obs_mask):
        b, t, d = x.shape
        q, k, v = self.qkv(x).view(b, t, 3, self.h, d // self.h).permute(2, 0, 3, 1, 4)
        attn_mask = (obs_mask == 0)[:, None, None, :]
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, dropout_p=0.1 if self.training else 0.0)
        return self.proj(out.transpose(1, 2).reshape(b, t, d))


class Imputer(nn.Module):
    def __init__(self, n_feat, d=64, h=4, n_layers=2):
        super().__init__()
        self.inp = nn.Linear(2 * n_feat, d)
        self.attn = nn.ModuleList([MaskedSelfAttention(d, h) for _ in range(n_layers)])
        self.norms = nn.ModuleList([nn.LayerNorm(d) for _ in range(n_layers)])
        self.out = nn.Linear(d, n_feat)

    def forward(self, x, feat_mask, obs_mask):
        h = self.inp(torch.cat([x * feat_mask, feat_mask], -1))
        for attn, norm in zip(self.attn, self.norms):
            h = h + attn(norm(h), obs_mask)
        return self.out(h)


def main():
    args = parse_args()
    set_seed(args.seed)
    n, t, f = 2000, 48, 12
    x = torch.randn(n, t, f)
    feat_mask = (torch.rand(n, t, f) > 0.2).float()
    obs_mask = (torch.rand(n, t) > 0.1).long()  # 1 = time step observed
    loader = DataLoader(TensorDataset(x, feat_mask, obs_mask), batch_size=args.batch_size, shuffle=True)
    model = Imputer(f).to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter("mae")
        for xb, fm, om in loader:
            xb, fm, om = xb.to(args.device), fm.to(args.device), om.to(args.device)
            # hide an extra 10% of observed values and learn to reconstruct them
            hide = (torch.rand_like(fm) < 0.1).float() * fm
            pred = model(xb, fm - hide, om)
            loss = (torch.abs(pred - xb) * hide).sum() / hide.sum().clamp(min=1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            meter.update(loss.item(), xb.size(0))
        logger.info("epoch %d masked_mae %.4f", epoch, meter.avg)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
