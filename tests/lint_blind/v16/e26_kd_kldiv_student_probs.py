# expect: TVL008
# style: knowledge distillation research script, teacher under no_grad, KLDivLoss on softened outputs
# bug: distill_loss passes the student's softmax probabilities (not log-probabilities) as the input of nn.KLDivLoss
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kd")


def mlp(d_in, widths, n_out):
    layers, d = [], d_in
    for w in widths:
        layers += [nn.Linear(d, w), nn.ReLU()]
        d = w
    return nn.Sequential(*layers, nn.Linear(d, n_out))


class Distiller:
    def __init__(self, teacher, student, T=4.0, alpha=0.7):
        self.teacher, self.student = teacher, student
        self.T, self.alpha = T, alpha
        self.kl = nn.KLDivLoss(reduction="batchmean")
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.teacher.eval()

    def soft_targets(self, x):
        with torch.no_grad():
            return F.softmax(self.teacher(x) / self.T, dim=-1)

    def distill_loss(self, student_logits, x, y):
        p_t = self.soft_targets(x)
        p_s = F.softmax(student_logits / self.T, dim=-1)
        soft = self.kl(p_s, p_t) * self.T ** 2
        hard = F.cross_entropy(student_logits, y)
        return self.alpha * soft + (1 - self.alpha) * hard, soft.item(), hard.item()


def accuracy(model, loader):
    model.eval()
    c = n = 0
    with torch.no_grad():
        for x, y in loader:
            c += (model(x).argmax(1) == y).sum().item()
            n += len(y)
    model.train()
    return c / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--temperature", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=0.7)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    g = torch.Generator().manual_seed(0)
    x = torch.randn(20000, 64, generator=g)
    y = (x[:, :8].sum(1) > 0).long() + 2 * (x[:, 8:16].sum(1) > 0).long()
    train_loader = DataLoader(TensorDataset(x[:16000], y[:16000]), batch_size=128, shuffle=True)
    test_loader = DataLoader(TensorDataset(x[16000:], y[16000:]), batch_size=512)

    teacher = mlp(64, [512, 512, 256], 4)
    t_opt = torch.optim.Adam(teacher.parameters(), lr=1e-3)
    for _ in range(5):
        teacher.train()
        for xb, yb in train_loader:
            t_opt.zero_grad()
            F.cross_entropy(teacher(xb), yb).backward()
            t_opt.step()
    log.info("teacher acc %.4f", accuracy(teacher, test_loader))

    student = mlp(64, [64], 4)
    distiller = Distiller(teacher, student, args.temperature, args.alpha)
    opt = torch.optim.Adam(student.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        student.train()
        s_sum = h_sum = 0.0
        for xb, yb in train_loader:
            loss, s, h = distiller.distill_loss(student(xb), xb, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            s_sum += s
            h_sum += h
        log.info("epoch %d soft %.4f hard %.4f student acc %.4f", epoch, s_sum / len(train_loader),
                 h_sum / len(train_loader), accuracy(student, test_loader))


if __name__ == "__main__":
    main()
