# expect: clean
# style: DINO / BYOL-style self-distillation (EMA teacher under torch.no_grad, student trained)
# note: teacher forward under no_grad and EMA update via .data are intentional; teacher is not in the optimizer
import argparse
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Head(nn.Module):
    def __init__(self, in_dim=256, out_dim=1024):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, 512), nn.GELU(), nn.Linear(512, out_dim))

    def forward(self, x):
        return self.mlp(x)


class Student(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(512, 256), nn.GELU(), nn.Linear(256, 256))
        self.head = Head()

    def forward(self, x):
        return self.head(self.backbone(x))


def dino_loss(student_out, teacher_out, center, t_s=0.1, t_t=0.04):
    t = F.softmax((teacher_out - center) / t_t, dim=-1)
    return torch.sum(-t * F.log_softmax(student_out / t_s, dim=-1), dim=-1).mean()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--momentum_teacher", type=float, default=0.996)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--iters", type=int, default=500)
    args = parser.parse_args()
    student = Student()
    teacher = copy.deepcopy(student)
    for p in teacher.parameters():
        p.requires_grad = False
    center = torch.zeros(1, 1024)
    optimizer = torch.optim.AdamW(student.parameters(), lr=args.lr)
    student.train()
    for it in range(args.iters):
        x = torch.randn(64, 512)
        view1, view2 = x + 0.1 * torch.randn_like(x), x + 0.1 * torch.randn_like(x)
        with torch.no_grad():
            t_out = teacher(view1)
        loss = dino_loss(student(view2), t_out, center)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            for ps, pt in zip(student.parameters(), teacher.parameters()):
                pt.data.mul_(args.momentum_teacher).add_((1 - args.momentum_teacher) * ps.detach().data)
            center = center * 0.9 + t_out.mean(dim=0, keepdim=True) * 0.1
        if it % 100 == 0:
            print(f"it {it} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
