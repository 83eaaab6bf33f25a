# expect: TVL005
# style: CLIP-style contrastive model, image-text
# bug: The learnable logit scale is a plain tensor with requires_grad=True set in __init__, not an nn.Parameter, so the optimizer built from model.parameters() never updates it.
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


class ImageEncoder(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 32, 4, 4), nn.GELU(), nn.Conv2d(32, 64, 4, 4), nn.GELU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, dim))

    def forward(self, x):
        return self.net(x)


class TextEncoder(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        layer = nn.TransformerEncoderLayer(dim, 4, 4 * dim, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)

    def forward(self, tok):
        return self.enc(self.emb(tok)).mean(1)


class MiniCLIP(nn.Module):
    def __init__(self, vocab=8000, dim=128):
        super().__init__()
        self.image = ImageEncoder(dim)
        self.text = TextEncoder(vocab, dim)
        self.logit_scale = torch.tensor(np.log(1 / 0.07), dtype=torch.float32, requires_grad=True)

    def forward(self, img, tok):
        i = F.normalize(self.image(img), dim=-1)
        t = F.normalize(self.text(tok), dim=-1)
        return self.logit_scale.exp().clamp(max=100) * i @ t.t()


def clip_loss(logits):
    target = torch.arange(logits.size(0), device=logits.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target))


def build_optimizer(model, lr, wd=0.1):
    return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)


def main():
    args = parse_args()
    set_seed(args.seed)
    ds = TensorDataset(torch.randn(2048, 3, 64, 64), torch.randint(0, 8000, (2048, 24)))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, drop_last=True)
    model = MiniCLIP()
    opt = build_optimizer(model, args.lr)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter("clip")
        for img, tok in loader:
            loss = clip_loss(model(img, tok))
            opt.zero_grad()
            loss.backward()
            opt.step()
            meter.update(loss.item(), img.size(0))
        logger.info("epoch %d loss %.4f scale %.2f", epoch, meter.avg, model.logit_scale.exp().item())
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
