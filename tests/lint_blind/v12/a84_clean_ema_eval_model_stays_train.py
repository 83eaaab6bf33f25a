# expect: clean
# style: semi-supervised / EMA-teacher training (mean teacher), EMA model updated under no_grad and evaluated in eval mode every epoch
# note: .eval() is called inside the epoch loop without a matching .train(), but only on the EMA copy, which is never trained; the student is put in train() at the start of every epoch
import argparse
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("meanteacher")


def wide_cnn(n_classes=10):
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.LeakyReLU(0.1),
        nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.1), nn.Dropout(0.3),
        nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.LeakyReLU(0.1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, n_classes),
    )


@torch.no_grad()
def ema_update(ema, model, decay):
    for e, p in zip(ema.parameters(), model.parameters()):
        e.mul_(decay).add_(p.detach(), alpha=1 - decay)
    for e, b in zip(ema.buffers(), model.buffers()):
        e.copy_(b)


@torch.no_grad()
def accuracy(net, loader):
    correct = 0
    for x, y in loader:
        correct += (net(x).argmax(1) == y).sum().item()
    return correct / len(loader.dataset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--lr", type=float, default=0.03)
    ap.add_argument("--ema", type=float, default=0.999)
    ap.add_argument("--cons-weight", type=float, default=8.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    labeled = DataLoader(TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,))), batch_size=32,
                         shuffle=True, drop_last=True)
    unlabeled = DataLoader(TensorDataset(torch.randn(20000, 3, 32, 32)), batch_size=128, shuffle=True, drop_last=True)
    test = DataLoader(TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 10, (2000,))), batch_size=256)

    student = wide_cnn()
    teacher = copy.deepcopy(student)
    for p in teacher.parameters():
        p.requires_grad_(False)
    opt = torch.optim.SGD(student.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)

    for epoch in range(args.epochs):
        student.train()
        teacher.train()  # teacher's dropout/BN mirror the student's during consistency
        for (xl, yl), (xu,) in zip(labeled, unlabeled):
            sup = F.cross_entropy(student(xl), yl)
            noisy = xu + 0.1 * torch.randn_like(xu)
            with torch.no_grad():
                t_prob = F.softmax(teacher(xu), dim=1)
            cons = F.mse_loss(F.softmax(student(noisy), dim=1), t_prob)
            loss = sup + args.cons_weight * cons
            opt.zero_grad()
            loss.backward()
            opt.step()
            ema_update(teacher, student, args.ema)

        teacher.eval()
        t_acc = accuracy(teacher, test)
        log.info("epoch %d sup %.4f cons %.4f EMA-teacher acc %.4f", epoch, sup.item(), cons.item(), t_acc)
    torch.save({"student": student.state_dict(), "teacher": teacher.state_dict()}, "mean_teacher.pt")


if __name__ == "__main__":
    main()
