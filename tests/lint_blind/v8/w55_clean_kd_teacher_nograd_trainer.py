# expect: clean
# style: Trainer class for feature+logit distillation, image classification, argparse
# note: the teacher forward runs under torch.no_grad() in a separate method and the combined loss looks like it mixes no-grad outputs, but the student forward is outside the no_grad block so the loss reaches the student
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("distill")
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")


def make_net(width, n_classes=100):
    return nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU(),
        nn.Conv2d(width, 2 * width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(2 * width), nn.ReLU(),
        nn.Conv2d(2 * width, 4 * width, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(4 * width), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4 * width, n_classes))


class DistillTrainer:
    def __init__(self, student, teacher, args, device):
        self.student = student.to(device)
        self.teacher = teacher.to(device).eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.args = args
        self.device = device
        self.optimizer = torch.optim.SGD(self.student.parameters(), lr=args.lr, momentum=0.9,
                                         weight_decay=5e-4, nesterov=True)
        self.scheduler = torch.optim.lr_scheduler.MultiStepLR(self.optimizer, milestones=[150, 180, 210], gamma=0.1)

    @torch.no_grad()
    def teacher_logits(self, x):
        return self.teacher(x)

    def loss_fn(self, s_logits, t_logits, y):
        T = self.args.T
        kd = F.kl_div(F.log_softmax(s_logits / T, -1), F.log_softmax(t_logits / T, -1),
                      reduction="batchmean", log_target=True) * T * T
        return self.args.alpha * kd + (1 - self.args.alpha) * F.cross_entropy(s_logits, y)

    def train_epoch(self, loader, epoch):
        self.student.train()
        total, n = 0.0, 0
        for i, (x, y) in enumerate(loader):
            x, y = x.to(self.device), y.to(self.device)
            t_logits = self.teacher_logits(x)
            s_logits = self.student(x)
            loss = self.loss_fn(s_logits, t_logits, y)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total += loss.item() * x.size(0)
            n += x.size(0)
            if i % 50 == 0:
                log.info("epoch %d iter %d loss %.4f", epoch, i, loss.item())
        self.scheduler.step()
        return total / n

    @torch.no_grad()
    def evaluate(self, loader):
        self.student.eval()
        correct = total = 0
        for x, y in loader:
            pred = self.student(x.to(self.device)).argmax(1).cpu()
            correct += (pred == y).sum().item()
            total += y.numel()
        return correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=240)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--T", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=0.9)
    ap.add_argument("--bs", type=int, default=64)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    x = torch.randn(6000, 3, 32, 32)
    y = torch.randint(0, 100, (6000,))
    train_loader = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=args.bs, shuffle=True, num_workers=2)
    val_loader = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256, shuffle=False)

    trainer = DistillTrainer(make_net(16), make_net(64), args, device)
    best = 0.0
    for epoch in range(args.epochs):
        loss = trainer.train_epoch(train_loader, epoch)
        acc = trainer.evaluate(val_loader)
        log.info("epoch %d loss %.4f top1 %.4f", epoch, loss, acc)
        if acc > best:
            best = acc
            torch.save(trainer.student.state_dict(), "student_best.pth")


if __name__ == "__main__":
    main()
