# expect: TVL008
# style: knowledge distillation, text classifier student/teacher
# bug: distill_loss() passes F.softmax(student/T) (probabilities, not log-probabilities) as the input of KLDivLoss.
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


class TextCNN(nn.Module):
    def __init__(self, vocab, dim, n_cls, widths=(3, 4, 5), ch=100):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.convs = nn.ModuleList([nn.Conv1d(dim, ch, w) for w in widths])
        self.fc = nn.Linear(ch * len(widths), n_cls)

    def forward(self, tok):
        e = self.emb(tok).transpose(1, 2)
        return self.fc(torch.cat([c(e).relu().max(-1).values for c in self.convs], 1))


def distill_loss(student_logits, teacher_logits, labels, T=4.0, alpha=0.7):
    kl = nn.KLDivLoss(reduction="batchmean")
    soft = kl(F.softmax(student_logits / T, dim=-1), F.softmax(teacher_logits / T, dim=-1)) * T * T
    hard = F.cross_entropy(student_logits, labels)
    return alpha * soft + (1 - alpha) * hard


def train_student(student, teacher, loader, opt, device, epochs):
    teacher.eval()
    for epoch in range(epochs):
        student.train()
        meter = AverageMeter()
        for tok, y in loader:
            tok, y = tok.to(device), y.to(device)
            with torch.no_grad():
                t_logits = teacher(tok)
            loss = distill_loss(student(tok), t_logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            meter.update(loss.item(), tok.size(0))
        logger.info("epoch %d distill %.4f", epoch, meter.avg)


def main():
    args = parse_args()
    set_seed(args.seed)
    tok = torch.randint(0, 15000, (6000, 50))
    y = torch.randint(0, 6, (6000,))
    loader = DataLoader(TensorDataset(tok, y), batch_size=args.batch_size, shuffle=True)
    teacher = TextCNN(15000, 300, 6, ch=256).to(args.device)
    student = TextCNN(15000, 64, 6, widths=(3,), ch=64).to(args.device)
    opt = torch.optim.Adam(student.parameters(), lr=args.lr)
    train_student(student, teacher, loader, opt, args.device, args.epochs)
    save_checkpoint({"student": student.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
