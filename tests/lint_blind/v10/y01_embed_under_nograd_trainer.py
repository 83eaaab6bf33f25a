# expect: TVL001
# style: Trainer class, audio keyword spotting
# bug: Trainer._encode wraps the whole model call in torch.no_grad() and train_step builds its loss from it.
import argparse
import json
import logging
import math
import os
import time
from collections import defaultdict

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger(__name__)
logger = log


def parse_args(extra=None):
    parser = argparse.ArgumentParser(description="training script")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out-dir", type=str, default="./outputs")
    parser.add_argument("--device", type=str, default="cuda")
    parser.add_argument("--log-every", type=int, default=20)
    if extra:
        extra(parser)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        args.device = "cpu"
    return args


def set_seed(seed):
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(1, self.count)


def dump_metrics(history, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(history, f, indent=2)


def save_checkpoint(state, out_dir, name="checkpoint.pt"):
    os.makedirs(out_dir, exist_ok=True)
    torch.save(state, os.path.join(out_dir, name))


class KWSNet(nn.Module):
    def __init__(self, n_mels=40, n_classes=12):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mels, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(),
        )
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        h = self.conv(x).mean(-1)
        return self.fc(h)


class Trainer:
    def __init__(self, model, opt, device):
        self.model, self.opt, self.device = model, opt, device

    @torch.no_grad()
    def _encode(self, feats):
        # shared between train_step and predict to keep preprocessing identical
        feats = (feats - feats.mean(-1, keepdim=True)) / (feats.std(-1, keepdim=True) + 1e-5)
        return self.model(feats)

    def train_step(self, feats, labels):
        self.model.train()
        logits = self._encode(feats.to(self.device))
        loss = F.cross_entropy(logits, labels.to(self.device))
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    def predict(self, feats):
        self.model.eval()
        out = self._encode(feats.to(self.device)).argmax(-1)
        self.model.train()
        return out


def main():
    args = parse_args()
    set_seed(args.seed)
    ds = TensorDataset(torch.randn(2048, 40, 98), torch.randint(0, 12, (2048,)))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, drop_last=True)
    model = KWSNet().to(args.device)
    trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=args.lr), args.device)
    for epoch in range(args.epochs):
        meter = AverageMeter("loss")
        for i, (x, y) in enumerate(loader):
            meter.update(trainer.train_step(x, y), x.size(0))
            if i % args.log_every == 0:
                logger.info("epoch %d it %d loss %.4f", epoch, i, meter.avg)
        save_checkpoint({"model": model.state_dict(), "epoch": epoch}, args.out_dir)


if __name__ == "__main__":
    main()
