# expect: clean
# style: knowledge distillation research script with a `teacher_logits` helper under no_grad
# note: a no_grad helper produces logits feeding the loss, but it only runs the frozen teacher; the student forward runs with autograd on, so the loss still reaches the student
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("kd")


def mlp(d_in, width, depth, n_out):
    layers, d = [], d_in
    for _ in range(depth):
        layers += [nn.Linear(d, width), nn.GELU()]
        d = width
    return nn.Sequential(*layers, nn.Linear(d, n_out))


@torch.no_grad()
def teacher_logits(teacher, x):
    return teacher(x)


def student_logits(student, x):
    return student(x)


def distill_loss(s, t, y, T=4.0, alpha=0.9):
    kd = F.kl_div(F.log_softmax(s / T, -1), F.log_softmax(t / T, -1), reduction="batchmean", log_target=True)
    return alpha * kd * T * T + (1 - alpha) * F.cross_entropy(s, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--T", type=float, default=4.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    teacher = mlp(100, 512, 4, 10)
    for p in teacher.parameters():
        p.requires_grad_(False)
    teacher.eval()
    student = mlp(100, 64, 2, 10)
    opt = torch.optim.Adam(student.parameters(), lr=args.lr)

    x, y = torch.randn(5000, 100), torch.randint(0, 10, (5000,))
    loader = DataLoader(TensorDataset(x, y), batch_size=128, shuffle=True)
    for epoch in range(args.epochs):
        student.train()
        total = 0.0
        for xb, yb in loader:
            t = teacher_logits(teacher, xb)
            s = student_logits(student, xb)
            loss = distill_loss(s, t, yb, T=args.T)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        logger.info("epoch %d loss %.4f", epoch, total / len(loader))
    torch.save(student.state_dict(), "student.pt")


if __name__ == "__main__":
    main()
