# expect: clean
# style: engine with an eval_mode() context manager, video action recognition
# note: Validation inside the epoch loop switches to eval through a context manager whose finally block restores model.train(prev).
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


from contextlib import contextmanager


@contextmanager
def eval_mode(model):
    prev = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield model
    finally:
        model.train(prev)


class C3D(nn.Module):
    def __init__(self, n_cls=51):
        super().__init__()
        self.net = nn.Sequential(nn.Conv3d(3, 32, 3, padding=1), nn.BatchNorm3d(32), nn.ReLU(), nn.MaxPool3d(2),
                                 nn.Conv3d(32, 64, 3, padding=1), nn.BatchNorm3d(64), nn.ReLU(),
                                 nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(64, n_cls))

    def forward(self, x):
        return self.net(x)


class Engine:
    def __init__(self, model, opt, device):
        self.model, self.opt, self.device = model, opt, device

    def train_epoch(self, loader):
        meter = AverageMeter()
        for clip, y in loader:
            clip, y = clip.to(self.device), y.to(self.device)
            self.opt.zero_grad()
            loss = F.cross_entropy(self.model(clip), y)
            loss.backward()
            self.opt.step()
            meter.update(loss.item(), clip.size(0))
        return meter.avg

    def evaluate(self, loader):
        correct = n = 0
        with eval_mode(self.model) as m:
            for clip, y in loader:
                correct += (m(clip.to(self.device)).argmax(1).cpu() == y).sum().item()
                n += y.numel()
        return correct / n


def main():
    args = parse_args()
    set_seed(args.seed)
    tr = TensorDataset(torch.randn(400, 3, 8, 56, 56), torch.randint(0, 51, (400,)))
    va = TensorDataset(torch.randn(100, 3, 8, 56, 56), torch.randint(0, 51, (100,)))
    model = C3D().to(args.device)
    engine = Engine(model, torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9), args.device)
    tr_loader = DataLoader(tr, batch_size=8, shuffle=True)
    va_loader = DataLoader(va, batch_size=16)
    model.train()
    for epoch in range(args.epochs):
        loss = engine.train_epoch(tr_loader)
        acc = engine.evaluate(va_loader)
        logger.info("epoch %d loss %.4f val_acc %.3f", epoch, loss, acc)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
