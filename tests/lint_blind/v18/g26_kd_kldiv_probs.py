# expect: TVL008
# style: knowledge distillation script with a DistillLoss module and a frozen teacher (vision)
# bug: DistillLoss passes student *probabilities* (softmax) as the input of KLDivLoss, which expects log-probabilities, so the soft-target term is wrong (and can even go negative) while training runs.
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
        nn.Conv2d(width * 2, width * 4, 3, padding=1), nn.BatchNorm2d(width * 4), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width * 4, n_classes),
    )


class DistillLoss(nn.Module):
    def __init__(self, temperature=4.0, alpha=0.9):
        super().__init__()
        self.T = temperature
        self.alpha = alpha
        self.kl = nn.KLDivLoss(reduction="batchmean")

    def forward(self, student_logits, teacher_logits, target):
        s = F.softmax(student_logits / self.T, dim=1)
        t = F.softmax(teacher_logits / self.T, dim=1)
        soft = self.kl(s, t) * self.T * self.T
        hard = F.cross_entropy(student_logits, target)
        return self.alpha * soft + (1 - self.alpha) * hard


def make_split(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    x = torch.randn(n, 3, 32, 32, generator=g) * 0.4
    x[:, :, :, :3] += y.view(-1, 1, 1, 1).float() / 5
    return TensorDataset(x, y)


def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
    return correct / len(loader.dataset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher-width", type=int, default=64)
    ap.add_argument("--student-width", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--T", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=0.9)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl = DataLoader(make_split(6000, 0), batch_size=128, shuffle=True)
    test_dl = DataLoader(make_split(1000, 1), batch_size=256)

    teacher = conv_net(args.teacher_width)
    t_opt = torch.optim.SGD(teacher.parameters(), lr=0.05, momentum=0.9)
    for epoch in range(5):  # quick teacher pre-training
        teacher.train()
        for x, y in train_dl:
            t_opt.zero_grad()
            F.cross_entropy(teacher(x), y).backward()
            t_opt.step()
    log.info("teacher acc %.4f", evaluate(teacher, test_dl))
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)

    student = conv_net(args.student_width)
    opt = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[8, 12], gamma=0.1)
    criterion = DistillLoss(args.T, args.alpha)

    for epoch in range(args.epochs):
        student.train()
        total = 0.0
        for x, y in train_dl:
            with torch.no_grad():
                t_logits = teacher(x)
            loss = criterion(student(x), t_logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        sched.step()
        log.info("epoch %d kd_loss %.4f student_acc %.4f", epoch, total / len(train_dl), evaluate(student, test_dl))


if __name__ == "__main__":
    main()
