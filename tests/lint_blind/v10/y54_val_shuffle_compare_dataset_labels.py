# expect: TVL017
# style: engine-style evaluator, tabular multiclass with confusion matrix
# bug: The validation loader is shuffled and Evaluator.evaluate() only collects predictions, which are then compared with val_ds.labels in the dataset's original order.
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


class TableDS(Dataset):
    def __init__(self, n, d=20, n_cls=6):
        self.features = torch.randn(n, d)
        self.labels = torch.randint(0, n_cls, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.features[i], self.labels[i]


class Evaluator:
    def __init__(self, loader, device):
        self.loader, self.device = loader, device

    @torch.no_grad()
    def predictions(self, model):
        model.eval()
        preds = [model(x.to(self.device)).argmax(1).cpu() for x, _ in self.loader]
        model.train()
        return torch.cat(preds)

    def evaluate(self, model, labels, n_cls):
        preds = self.predictions(model)
        cm = torch.zeros(n_cls, n_cls, dtype=torch.long)
        for t, p in zip(labels.tolist(), preds.tolist()):
            cm[t, p] += 1
        per_class = cm.diag().float() / cm.sum(1).clamp(min=1).float()
        return {"acc": cm.diag().sum().item() / cm.sum().item(), "balanced_acc": per_class.mean().item()}


def main():
    args = parse_args()
    set_seed(args.seed)
    train_ds, val_ds = TableDS(6000), TableDS(1000)
    train_loader = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_ds, batch_size=256, shuffle=True)
    model = nn.Sequential(nn.Linear(20, 128), nn.ReLU(), nn.Linear(128, 6)).to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    evaluator = Evaluator(val_loader, args.device)
    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for x, y in train_loader:
            x, y = x.to(args.device), y.to(args.device)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            meter.update(loss.item(), x.size(0))
        metrics = evaluator.evaluate(model, val_ds.labels, 6)
        logger.info("epoch %d loss %.4f %s", epoch, meter.avg, metrics)
        if metrics["balanced_acc"] > best:
            best = metrics["balanced_acc"]
            save_checkpoint({"model": model.state_dict()}, args.out_dir, "best.pt")


if __name__ == "__main__":
    main()
