# expect: clean
# style: self-distillation (DINO-lite) plus multi-label auxiliary head, helper loss functions in a losses section
# note: KL and BCE appear with softmax/sigmoid nearby (looks like TVL008), but kl_div gets log_softmax of the student and probabilities of the teacher as target, and BCEWithLogitsLoss gets raw logits; sigmoid is only used for the reported F1
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

N_ATTR = 12


# ------------------------------------------------------------------ losses
def distill_kl(student_logits, teacher_logits, t_student=0.1, t_teacher=0.04, center=None):
    t = teacher_logits if center is None else teacher_logits - center
    target = F.softmax(t / t_teacher, dim=-1)
    return F.kl_div(F.log_softmax(student_logits / t_student, dim=-1), target, reduction="batchmean")


attr_criterion = nn.BCEWithLogitsLoss()


def micro_f1(logits, targets, thr=0.5):
    pred = (torch.sigmoid(logits) > thr).float()
    tp = (pred * targets).sum()
    return (2 * tp / (pred.sum() + targets.sum()).clamp(min=1)).item()


# ------------------------------------------------------------------ model
class Backbone(nn.Module):
    def __init__(self, d=256, out=1024):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.GELU(), nn.Conv2d(64, 128, 3, 2, 1), nn.GELU(),
                               nn.Conv2d(128, d, 3, 2, 1), nn.GELU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.proj = nn.Sequential(nn.Linear(d, 512), nn.GELU(), nn.Linear(512, out))
        self.attr = nn.Linear(d, N_ATTR)

    def forward(self, x):
        h = self.f(x)
        return self.proj(h), self.attr(h)


def augment(x):
    x = torch.where(torch.rand(x.size(0), 1, 1, 1) < 0.5, x.flip(-1), x)
    return x + 0.2 * torch.randn_like(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--momentum", type=float, default=0.996)
    ap.add_argument("--attr-weight", type=float, default=0.5)
    args = ap.parse_args()

    x = torch.rand(6000, 3, 48, 48)
    attrs = (torch.rand(6000, N_ATTR) < 0.25).float()
    loader = DataLoader(TensorDataset(x, attrs), batch_size=128, shuffle=True, drop_last=True)

    student, teacher = Backbone(), Backbone()
    teacher.load_state_dict(student.state_dict())
    teacher.requires_grad_(False)
    center = torch.zeros(1, 1024)
    opt = torch.optim.AdamW(student.parameters(), lr=5e-4, weight_decay=0.04)

    for epoch in range(args.epochs):
        student.train()
        tot, f1s = 0.0, []
        for xb, ab in loader:
            v1, v2 = augment(xb), augment(xb)
            s1, attr_logits = student(v1)
            s2, _ = student(v2)
            with torch.no_grad():
                t1, _ = teacher(v1)
                t2, _ = teacher(v2)
            loss = 0.5 * (distill_kl(s1, t2, center=center) + distill_kl(s2, t1, center=center))
            loss = loss + args.attr_weight * attr_criterion(attr_logits, ab)
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                for ps, pt in zip(student.parameters(), teacher.parameters()):
                    pt.mul_(args.momentum).add_((1 - args.momentum) * ps.detach())
                center = 0.9 * center + 0.1 * torch.cat([t1, t2]).mean(0, keepdim=True)
            tot += loss.item()
            f1s.append(micro_f1(attr_logits.detach(), ab))
        print(f"epoch {epoch} loss {tot / len(loader):.4f} attr_f1 {sum(f1s) / len(f1s):.3f}")
    torch.save(teacher.state_dict(), "dino_lite_teacher.pt")


if __name__ == "__main__":
    main()
