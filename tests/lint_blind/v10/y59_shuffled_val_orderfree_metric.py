# expect: clean
# style: evaluation helper, speaker classification
# note: The validation loader has shuffle=True, but evaluate() compares each prediction with the label from the same batch, so the metric does not depend on order.
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


class SpeakerNet(nn.Module):
    def __init__(self, n_mels=64, n_spk=40):
        super().__init__()
        self.tdnn = nn.Sequential(nn.Conv1d(n_mels, 256, 5, dilation=1), nn.ReLU(), nn.BatchNorm1d(256),
                                  nn.Conv1d(256, 256, 3, dilation=2), nn.ReLU(), nn.BatchNorm1d(256))
        self.fc = nn.Linear(512, n_spk)

    def forward(self, x):
        h = self.tdnn(x)
        return self.fc(torch.cat([h.mean(-1), h.std(-1)], 1))


def make_loaders(bs):
    tr = TensorDataset(torch.randn(3000, 64, 150), torch.randint(0, 40, (3000,)))
    va = TensorDataset(torch.randn(600, 64, 150), torch.randint(0, 40, (600,)))
    # val shuffled so the per-step progress bar shows a mix of speakers
    return DataLoader(tr, batch_size=bs, shuffle=True), DataLoader(va, batch_size=bs, shuffle=True)


def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    loss_sum = 0.0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            total += y.numel()
    model.train()
    return loss_sum / total, correct / total


def main():
    args = parse_args()
    set_seed(args.seed)
    tr_loader, va_loader = make_loaders(args.batch_size)
    model = SpeakerNet().to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for x, y in tr_loader:
            x, y = x.to(args.device), y.to(args.device)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            meter.update(loss.item(), x.size(0))
        vl, acc = evaluate(model, va_loader, args.device)
        logger.info("epoch %d train %.4f val %.4f acc %.3f", epoch, meter.avg, vl, acc)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
