# expect: clean
# style: knowledge distillation for CIFAR-like images, teacher/student, loss helper, argparse
# note: the teacher forward runs under torch.no_grad() and the student logits go through log_softmax before KLDivLoss; the student (the trained model) is outside the no_grad block, so gradients flow
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kd")


def make_cnn(width, n_classes=10):
    return nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, width * 2, 3, padding=1), nn.BatchNorm2d(width * 2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width * 2, width * 4, 3, padding=1), nn.BatchNorm2d(width * 4), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width * 4, n_classes),
    )


def kd_loss(student_logits, teacher_logits, labels, T=4.0, alpha=0.9):
    soft = F.kl_div(F.log_softmax(student_logits / T, dim=1), F.softmax(teacher_logits / T, dim=1),
                    reduction="batchmean") * (T * T)
    hard = F.cross_entropy(student_logits, labels)
    return alpha * soft + (1.0 - alpha) * hard


@torch.no_grad()
def teacher_logits(teacher, x):
    return teacher(x)


@torch.no_grad()
def accuracy(model, loader, device):
    model.eval()
    hit = n = 0
    for x, y in loader:
        hit += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
        n += len(y)
    return hit / n


def train_student(student, teacher, train_dl, val_dl, args, device):
    teacher.eval()
    opt = torch.optim.SGD(student.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[int(args.epochs * 0.5), int(args.epochs * 0.75)])
    for epoch in range(args.epochs):
        student.train()
        running = 0.0
        for x, y in train_dl:
            x, y = x.to(device), y.to(device)
            t_out = teacher_logits(teacher, x)
            s_out = student(x)
            loss = kd_loss(s_out, t_out, y, args.temperature, args.alpha)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item()
        sched.step()
        acc = accuracy(student, val_dl, device)
        log.info("epoch %d kd-loss %.4f student acc %.4f", epoch, running / len(train_dl), acc)
    return student


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--temperature", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=0.9)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_dl = DataLoader(TensorDataset(torch.randn(5000, 3, 32, 32), torch.randint(0, 10, (5000,))),
                          batch_size=128, shuffle=True)
    val_dl = DataLoader(TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,))), batch_size=256)
    teacher = make_cnn(128).to(device)
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = make_cnn(16).to(device)
    log.info("teacher acc (random init stand-in) %.4f", accuracy(teacher, val_dl, device))
    train_student(student, teacher, train_dl, val_dl, args, device)
    torch.save(student.state_dict(), "student_kd.pt")


if __name__ == "__main__":
    main()
