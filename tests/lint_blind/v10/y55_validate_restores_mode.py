# expect: clean
# style: research repo, image classifier with validate() helper
# note: validate() calls model.eval() inside the epoch loop, but it records the previous mode and restores it with model.train(was_training) before returning.
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


class Net(nn.Module):
    def __init__(self, n_cls=10):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                               nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                               nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2))
        self.fc = nn.Linear(64, n_cls)

    def forward(self, x):
        return self.fc(self.f(x))


def validate(model, loader, device):
    was_training = model.training
    model.eval()
    correct = n = 0
    loss_m = AverageMeter()
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            out = model(x)
            loss_m.update(F.cross_entropy(out, y).item(), x.size(0))
            correct += (out.argmax(1) == y).sum().item()
            n += y.numel()
    model.train(was_training)
    return loss_m.avg, correct / n


def main():
    args = parse_args()
    set_seed(args.seed)
    tr = TensorDataset(torch.randn(3000, 3, 32, 32), torch.randint(0, 10, (3000,)))
    va = TensorDataset(torch.randn(600, 3, 32, 32), torch.randint(0, 10, (600,)))
    tr_loader = DataLoader(tr, batch_size=args.batch_size, shuffle=True)
    va_loader = DataLoader(va, batch_size=256)
    model = Net().to(args.device)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[int(args.epochs * 0.5), int(args.epochs * 0.75)])
    model.train()
    for epoch in range(args.epochs):
        meter = AverageMeter()
        for i, (x, y) in enumerate(tr_loader):
            x, y = x.to(args.device), y.to(args.device)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            meter.update(loss.item(), x.size(0))
            if i % 20 == 0 and i > 0:
                vl, va_acc = validate(model, va_loader, args.device)
                logger.info("ep %d it %d train %.4f val %.4f acc %.3f", epoch, i, meter.avg, vl, va_acc)
        sched.step()
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
