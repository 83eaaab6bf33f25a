# expect: clean
# style: knowledge distillation, image student/teacher
# note: The teacher's forward runs under torch.no_grad() (it is not trained) and KLDivLoss gets log_softmax of the student, with the student's forward outside any no_grad.
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


def conv_net(width, n_cls=100):
    return nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * width, n_cls))


@torch.no_grad()
def teacher_logits(teacher, x):
    return teacher(x)


def kd_loss(student_logits, t_logits, y, T=4.0, alpha=0.9):
    soft = F.kl_div(F.log_softmax(student_logits / T, -1), F.softmax(t_logits / T, -1), reduction="batchmean")
    return alpha * T * T * soft + (1 - alpha) * F.cross_entropy(student_logits, y)


def train_epoch(student, teacher, loader, opt, device):
    student.train()
    teacher.eval()
    meter = AverageMeter()
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        t = teacher_logits(teacher, x)
        loss = kd_loss(student(x), t, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        meter.update(loss.item(), x.size(0))
    return meter.avg


def main():
    args = parse_args()
    set_seed(args.seed)
    ds = TensorDataset(torch.randn(3000, 3, 32, 32), torch.randint(0, 100, (3000,)))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
    teacher = conv_net(128).to(args.device)
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = conv_net(32).to(args.device)
    opt = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    for epoch in range(args.epochs):
        loss = train_epoch(student, teacher, loader, opt, args.device)
        sched.step()
        logger.info("epoch %d kd %.4f lr %.4f", epoch, loss, sched.get_last_lr()[0])
    save_checkpoint({"student": student.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
