# expect: clean
# style: knowledge-distillation Trainer for image classification, teacher ensemble and student, argparse
# note: the teacher runs under torch.no_grad() and the KL term uses F.log_softmax for the student and softmax for the teacher (correct KLDivLoss inputs); the student forward carries the gradient
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kd")


def conv_net(width, n_classes=10):
    return nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, width * 2, 3, padding=1), nn.BatchNorm2d(width * 2), nn.ReLU(), nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width * 2, n_classes))


class TeacherEnsemble(nn.Module):
    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x):
        return torch.stack([m(x) for m in self.members]).mean(0)


class KDTrainer:
    def __init__(self, student, teacher, args):
        self.student, self.teacher, self.args = student, teacher, args
        self.teacher.eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.opt = torch.optim.SGD(student.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
        self.kl = nn.KLDivLoss(reduction="batchmean")

    def teacher_logits(self, x):
        with torch.no_grad():
            return self.teacher(x)

    def loss(self, x, y):
        s = self.student(x)
        t = self.teacher_logits(x)
        T = self.args.T
        soft = self.kl(F.log_softmax(s / T, dim=1), F.softmax(t / T, dim=1)) * T * T
        hard = F.cross_entropy(s, y)
        return self.args.alpha * soft + (1 - self.args.alpha) * hard

    def train_epoch(self, loader):
        self.student.train()
        total = 0.0
        for x, y in loader:
            loss = self.loss(x, y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            total += loss.item()
        return total / len(loader)

    @torch.no_grad()
    def evaluate(self, loader):
        self.student.eval()
        c = n = 0
        for x, y in loader:
            c += (self.student(x).argmax(1) == y).sum().item()
            n += len(y)
        self.student.train()
        return c / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--T", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=0.9)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    x, y = torch.randn(5000, 3, 32, 32), torch.randint(0, 10, (5000,))
    train_loader = DataLoader(TensorDataset(x[:4500], y[:4500]), batch_size=128, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[4500:], y[4500:]), batch_size=256)
    teacher = TeacherEnsemble([conv_net(64) for _ in range(3)])
    trainer = KDTrainer(conv_net(16), teacher, args)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(trainer.opt, T_max=args.epochs)
    for epoch in range(args.epochs):
        loss = trainer.train_epoch(train_loader)
        sched.step()
        log.info("epoch %d loss %.4f acc %.4f", epoch, loss, trainer.evaluate(val_loader))
    torch.save(trainer.student.state_dict(), "student.pt")


if __name__ == "__main__":
    main()
