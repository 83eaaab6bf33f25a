# expect: TVL009
# style: speech emotion classifier on MFCC features
# bug: Emotion labels are built as a float tensor and passed as the target of F.nll_loss.
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


class EmotionNet(nn.Module):
    def __init__(self, n_mfcc=40, n_cls=8):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(n_mfcc, 128, 5, padding=2), nn.BatchNorm1d(128), nn.ReLU(),
                                  nn.MaxPool1d(2), nn.Conv1d(128, 128, 5, padding=2), nn.ReLU())
        self.fc = nn.Linear(128, n_cls)

    def forward(self, x):
        return F.log_softmax(self.fc(self.conv(x).mean(-1)), dim=-1)


def main():
    args = parse_args()
    set_seed(args.seed)
    feats = torch.randn(1440, 40, 200)
    labels = torch.tensor(np.random.randint(0, 8, size=1440), dtype=torch.float32)
    perm = torch.randperm(1440)
    tr_idx, va_idx = perm[:1200], perm[1200:]
    train_loader = DataLoader(TensorDataset(feats[tr_idx], labels[tr_idx]), batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(feats[va_idx], labels[va_idx]), batch_size=args.batch_size)
    model = EmotionNet().to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-4)
    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for x, y in train_loader:
            x, y = x.to(args.device), y.to(args.device)
            opt.zero_grad()
            loss = F.nll_loss(model(x), y)
            loss.backward()
            opt.step()
            meter.update(loss.item(), x.size(0))
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val_loader:
                correct += (model(x.to(args.device)).argmax(1).cpu() == y.long()).sum().item()
        acc = correct / len(va_idx)
        logger.info("epoch %d loss %.4f val_acc %.3f", epoch, meter.avg, acc)
        if acc > best:
            best = acc
            save_checkpoint({"model": model.state_dict()}, args.out_dir, "best.pt")


if __name__ == "__main__":
    main()
