# expect: TVL003
# style: engine with backward/step hooks, text classification
# bug: Engine.backward() calls loss.backward() and then optimizer.zero_grad(), so the following Engine.step() applies zeroed gradients.
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


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab, dim, n_cls):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.fc = nn.Linear(dim, n_cls)

    def forward(self, tokens):
        return self.fc(self.emb(tokens))


class Engine:
    def __init__(self, model, optimizer, max_norm=1.0):
        self.model = model
        self.optimizer = optimizer
        self.max_norm = max_norm
        self.global_step = 0

    def backward(self, loss):
        loss.backward()
        # keep memory flat between iterations
        self.optimizer.zero_grad(set_to_none=True)

    def step(self):
        nn.utils.clip_grad_norm_(self.model.parameters(), self.max_norm)
        self.optimizer.step()
        self.global_step += 1

    def run_batch(self, tokens, labels):
        logits = self.model(tokens)
        loss = F.cross_entropy(logits, labels)
        self.backward(loss)
        self.step()
        return loss.item()


def main():
    args = parse_args()
    set_seed(args.seed)
    tokens = torch.randint(0, 10000, (6000, 40))
    labels = torch.randint(0, 4, (6000,))
    loader = DataLoader(TensorDataset(tokens, labels), batch_size=args.batch_size, shuffle=True)
    model = BagOfEmbeddings(10000, 128, 4).to(args.device)
    engine = Engine(model, torch.optim.Adam(model.parameters(), lr=args.lr))
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter("loss")
        for tok, lab in loader:
            meter.update(engine.run_batch(tok.to(args.device), lab.to(args.device)), tok.size(0))
            if engine.global_step % args.log_every == 0:
                logger.info("step %d loss %.4f", engine.global_step, meter.avg)
        save_checkpoint({"model": model.state_dict(), "step": engine.global_step}, args.out_dir)


if __name__ == "__main__":
    main()
