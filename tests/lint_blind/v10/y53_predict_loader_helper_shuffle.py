# expect: TVL017
# style: research repo, text regression with predict() + write_predictions()
# bug: build_loader(ds, shuffle=True) is used for the test split; predict() concatenates outputs in loader order and write_predictions() pairs them with test_df ids in dataset order.
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


class EssayDataset(Dataset):
    def __init__(self, n, with_targets=True):
        self.ids = [f"essay_{i:05d}" for i in range(n)]
        self.tok = torch.randint(1, 5000, (n, 256))
        self.y = torch.rand(n, 6) * 4 + 1 if with_targets else None

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        if self.y is None:
            return self.tok[i]
        return self.tok[i], self.y[i]


def build_loader(ds, batch_size, shuffle=True):
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, num_workers=2)


class Scorer(nn.Module):
    def __init__(self, vocab=5000, d=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.gru = nn.GRU(d, d, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * d, 6)

    def forward(self, tok):
        h, _ = self.gru(self.emb(tok))
        return self.head(h.mean(1))


def predict(model, loader, device):
    model.eval()
    outs = []
    with torch.no_grad():
        for tok in loader:
            outs.append(model(tok.to(device)).cpu())
    return torch.cat(outs).clamp(1, 5).numpy()


def write_predictions(ids, preds, path):
    cols = ["cohesion", "syntax", "vocabulary", "phraseology", "grammar", "conventions"]
    with open(path, "w") as f:
        f.write("text_id," + ",".join(cols) + "\n")
        for i, row in zip(ids, preds):
            f.write(i + "," + ",".join(f"{v:.4f}" for v in row) + "\n")


def main():
    args = parse_args()
    set_seed(args.seed)
    train_ds, test_ds = EssayDataset(3000), EssayDataset(800, with_targets=False)
    train_loader = build_loader(train_ds, args.batch_size)
    test_loader = build_loader(test_ds, 128)
    model = Scorer().to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter("mcrmse")
        for tok, y in train_loader:
            tok, y = tok.to(args.device), y.to(args.device)
            opt.zero_grad()
            loss = torch.sqrt(F.mse_loss(model(tok), y, reduction="none").mean(0)).mean()
            loss.backward()
            opt.step()
            meter.update(loss.item(), tok.size(0))
        logger.info("epoch %d mcrmse %.4f", epoch, meter.avg)
    preds = predict(model, test_loader, args.device)
    write_predictions(test_ds.ids, preds, os.path.join(args.out_dir, "submission.csv"))


if __name__ == "__main__":
    main()
