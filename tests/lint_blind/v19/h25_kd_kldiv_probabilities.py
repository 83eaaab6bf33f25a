# expect: TVL008
# style: knowledge-distillation repo: teacher/student with a distillation-loss helper class
# bug: `DistillLoss` passes softmax(student/T) (probabilities) as the input of nn.KLDivLoss, which expects log-probabilities
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kd")


def mlp(d_in, widths, n_out, p=0.1):
    layers, d = [], d_in
    for w in widths:
        layers += [nn.Linear(d, w), nn.ReLU(), nn.Dropout(p)]
        d = w
    layers.append(nn.Linear(d, n_out))
    return nn.Sequential(*layers)


class DistillLoss(nn.Module):
    def __init__(self, temperature=4.0, alpha=0.7):
        super().__init__()
        self.T = temperature
        self.alpha = alpha
        self.kl = nn.KLDivLoss(reduction="batchmean")

    def soft_targets(self, teacher_logits):
        return F.softmax(teacher_logits / self.T, dim=-1)

    def student_dist(self, student_logits):
        return F.softmax(student_logits / self.T, dim=-1)

    def forward(self, student_logits, teacher_logits, labels):
        soft = self.kl(self.student_dist(student_logits), self.soft_targets(teacher_logits)) * (self.T ** 2)
        hard = F.cross_entropy(student_logits, labels)
        return self.alpha * soft + (1 - self.alpha) * hard, soft.detach(), hard.detach()


def load_teacher(d_in, n_cls, device):
    teacher = mlp(d_in, [1024, 1024, 512], n_cls).to(device)
    # pretend pretrained: quick fit of the teacher is done elsewhere
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    return teacher


@torch.no_grad()
def accuracy(model, loader, device):
    was = model.training
    model.eval()
    c = n = 0
    for x, y in loader:
        c += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
        n += y.numel()
    model.train(was)
    return c / n


def train_student(student, teacher, loader, val_loader, criterion, epochs, lr, device):
    opt = torch.optim.SGD(student.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    for epoch in range(epochs):
        student.train()
        s_tot = h_tot = 0.0
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            with torch.no_grad():
                t_logits = teacher(x)
            s_logits = student(x)
            loss, soft, hard = criterion(s_logits, t_logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            s_tot += soft.item()
            h_tot += hard.item()
        sched.step()
        acc = accuracy(student, val_loader, device)
        log.info("epoch %d soft %.4f hard %.4f val acc %.4f lr %.4f", epoch, s_tot / len(loader),
                 h_tot / len(loader), acc, sched.get_last_lr()[0])
    return student


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--T", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=0.7)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--out", default="kd_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    x = torch.randn(30000, 128)
    y = (x[:, :10].sum(1) * 2).long().clamp(-5, 4) + 5
    train_loader = DataLoader(TensorDataset(x[:25000], y[:25000]), batch_size=256, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[25000:], y[25000:]), batch_size=1024)

    teacher = load_teacher(128, 10, device)
    student = mlp(128, [128], 10).to(device)
    criterion = DistillLoss(args.T, args.alpha)
    student = train_student(student, teacher, train_loader, val_loader, criterion, args.epochs, args.lr, device)
    os.makedirs(args.out, exist_ok=True)
    torch.save(student.state_dict(), os.path.join(args.out, f"student_T{args.T}_a{args.alpha}.pt"))


if __name__ == "__main__":
    main()
