# expect: clean
# style: research script, Transformer LM with loss-spike guard
# note: optimizer.step() is skipped when the gradient norm is non-finite or huge, but each skip is counted, logged and saved in the checkpoint.
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


class LM(nn.Module):
    def __init__(self, vocab=8000, d=256, n=4):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, 4, 4 * d, batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, n)
        self.out = nn.Linear(d, vocab)

    def forward(self, x):
        t = x.size(1)
        mask = torch.triu(torch.full((t, t), float("-inf"), device=x.device), 1)
        return self.out(self.enc(self.emb(x), mask=mask))


def main():
    args = parse_args(lambda p: p.add_argument("--spike-norm", type=float, default=50.0))
    set_seed(args.seed)
    data = torch.randint(0, 8000, (2000, 65))
    loader = DataLoader(TensorDataset(data), batch_size=args.batch_size, shuffle=True)
    model = LM().to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    skipped, step = 0, 0
    for epoch in range(args.epochs):
        model.train()
        for (seq,) in loader:
            seq = seq.to(args.device)
            logits = model(seq[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), seq[:, 1:].reshape(-1))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            gnorm = nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            if not torch.isfinite(gnorm) or gnorm > args.spike_norm:
                skipped += 1
                logger.warning("step %d: skipping update, grad norm %.2f (total skipped %d)", step, gnorm.item(), skipped)
            else:
                opt.step()
            step += 1
            if step % args.log_every == 0:
                logger.info("step %d loss %.4f gnorm %.2f skipped %d", step, loss.item(), gnorm.item(), skipped)
    save_checkpoint({"model": model.state_dict(), "step": step, "skipped_steps": skipped}, args.out_dir)


if __name__ == "__main__":
    main()
