# expect: TVL011
# style: Trainer class, diffusion-style denoiser
# bug: Trainer.optimizer_step() calls the grads_are_finite() helper and silently returns without stepping when it is False; nothing counts or logs the skips.
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


def grads_are_finite(params):
    for p in params:
        if p.grad is not None and not torch.isfinite(p.grad).all():
            return False
    return True


class Denoiser(nn.Module):
    def __init__(self, ch=64, t_dim=32):
        super().__init__()
        self.t_emb = nn.Sequential(nn.Linear(1, t_dim), nn.SiLU(), nn.Linear(t_dim, ch))
        self.inp = nn.Conv2d(3, ch, 3, padding=1)
        self.body = nn.Sequential(nn.SiLU(), nn.Conv2d(ch, ch, 3, padding=1), nn.SiLU(), nn.Conv2d(ch, ch, 3, padding=1))
        self.out = nn.Conv2d(ch, 3, 3, padding=1)

    def forward(self, x, t):
        h = self.inp(x) + self.t_emb(t[:, None].float())[:, :, None, None]
        return self.out(self.body(h))


class Trainer:
    def __init__(self, model, lr, n_steps=1000):
        self.model = model
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr)
        betas = torch.linspace(1e-4, 0.02, n_steps)
        self.alpha_bar = torch.cumprod(1 - betas, 0)
        self.n_steps = n_steps
        self.global_step = 0

    def loss(self, x0):
        t = torch.randint(0, self.n_steps, (x0.size(0),))
        noise = torch.randn_like(x0)
        ab = self.alpha_bar[t][:, None, None, None]
        xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
        return F.mse_loss(self.model(xt, t), noise)

    def optimizer_step(self):
        if not grads_are_finite(self.model.parameters()):
            return
        nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()

    def fit(self, loader, epochs, log_every):
        for epoch in range(epochs):
            self.model.train()
            for (x0,) in loader:
                self.opt.zero_grad(set_to_none=True)
                loss = self.loss(x0)
                loss.backward()
                self.optimizer_step()
                self.global_step += 1
                if self.global_step % log_every == 0:
                    logger.info("step %d loss %.4f", self.global_step, loss.item())


def main():
    args = parse_args()
    set_seed(args.seed)
    imgs = torch.randn(2000, 3, 32, 32).clamp(-1, 1)
    loader = DataLoader(TensorDataset(imgs), batch_size=args.batch_size, shuffle=True, drop_last=True)
    trainer = Trainer(Denoiser(), args.lr)
    trainer.fit(loader, args.epochs, args.log_every)
    save_checkpoint({"model": trainer.model.state_dict(), "step": trainer.global_step}, args.out_dir)


if __name__ == "__main__":
    main()
