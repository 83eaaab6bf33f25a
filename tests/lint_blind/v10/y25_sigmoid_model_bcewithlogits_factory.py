# expect: TVL008
# style: config factory, multi-label chest x-ray style classifier
# bug: The model's forward returns torch.sigmoid(logits) (for the metric code) and build_criterion('bce') returns BCEWithLogitsLoss, so sigmoid is applied twice.
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


LABELS = ["atelectasis", "cardiomegaly", "effusion", "infiltration", "mass", "nodule", "pneumonia"]


class MultiLabelNet(nn.Module):
    def __init__(self, n_labels):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 32, 5, 2, 2), nn.ReLU(), nn.Conv2d(32, 64, 5, 2, 2), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(64, n_labels)

    def forward(self, x):
        return torch.sigmoid(self.classifier(self.features(x)))


def build_criterion(name, pos_weight=None):
    if name == "bce":
        return nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    if name == "focal":
        raise NotImplementedError
    raise ValueError(name)


def mean_auc_proxy(probs, targets):
    # cheap per-label separation score used for monitoring
    scores = []
    for j in range(targets.size(1)):
        pos, neg = probs[targets[:, j] == 1, j], probs[targets[:, j] == 0, j]
        if len(pos) and len(neg):
            scores.append((pos.mean() - neg.mean()).item())
    return float(np.mean(scores)) if scores else 0.0


def main():
    args = parse_args()
    set_seed(args.seed)
    x = torch.randn(2400, 1, 128, 128)
    y = (torch.rand(2400, len(LABELS)) < 0.15).float()
    train_loader = DataLoader(TensorDataset(x[:2000], y[:2000]), batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[2000:], y[2000:]), batch_size=128)
    model = MultiLabelNet(len(LABELS)).to(args.device)
    criterion = build_criterion("bce", pos_weight=torch.full((len(LABELS),), 3.0, device=args.device))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for xb, yb in train_loader:
            xb, yb = xb.to(args.device), yb.to(args.device)
            opt.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            opt.step()
            meter.update(loss.item(), xb.size(0))
        model.eval()
        with torch.no_grad():
            probs = torch.cat([model(xb.to(args.device)).cpu() for xb, _ in val_loader])
        model.train()
        logger.info("epoch %d loss %.4f sep %.3f", epoch, meter.avg, mean_auc_proxy(probs, y[2000:]))
    save_checkpoint({"model": model.state_dict(), "labels": LABELS}, args.out_dir)


if __name__ == "__main__":
    main()
