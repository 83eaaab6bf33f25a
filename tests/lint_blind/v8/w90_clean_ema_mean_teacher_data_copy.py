# expect: clean
# style: mean-teacher semi-supervised segmentation with an EMA helper class using .data and torch.no_grad, medical image slices
# note: the EMA teacher is updated through .data/.detach() under torch.no_grad() and its predictions (made under no_grad) form the consistency target (looks like TVL001/TVL002), but the student forward that produces both losses runs with gradients
import argparse
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class SmallUNet(nn.Module):
    def __init__(self, c=16, n_classes=4):
        super().__init__()
        self.d1 = nn.Sequential(nn.Conv2d(1, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU())
        self.d2 = nn.Sequential(nn.Conv2d(c, 2 * c, 3, 2, 1), nn.BatchNorm2d(2 * c), nn.ReLU())
        self.u1 = nn.ConvTranspose2d(2 * c, c, 2, 2)
        self.out = nn.Conv2d(2 * c, n_classes, 1)
        self.drop = nn.Dropout2d(0.1)

    def forward(self, x):
        a = self.d1(x)
        b = self.drop(self.d2(a))
        return self.out(torch.cat([self.u1(b), a], 1))


class EMATeacher:
    def __init__(self, model, decay=0.99):
        self.model = copy.deepcopy(model)
        self.model.requires_grad_(False)
        self.decay = decay

    @torch.no_grad()
    def update(self, student, step):
        d = min(self.decay, (step + 1) / (step + 10))
        for t, s in zip(self.model.parameters(), student.parameters()):
            t.data.mul_(d).add_(s.data, alpha=1 - d)
        for tb, sb in zip(self.model.buffers(), student.buffers()):
            tb.copy_(sb.detach())

    @torch.no_grad()
    def predict(self, x):
        self.model.train()  # keep dropout for noisy targets, as in the mean-teacher paper
        return F.softmax(self.model(x), dim=1)


def dice_score(logits, target, n_classes=4):
    pred = logits.argmax(1)
    scores = []
    for c in range(1, n_classes):
        p, t = pred == c, target == c
        scores.append((2 * (p & t).sum().float() / (p.sum() + t.sum()).clamp(min=1).float()).item())
    return sum(scores) / len(scores)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=6000)
    ap.add_argument("--cons-weight", type=float, default=0.1)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    xl = torch.randn(300, 1, 96, 96)
    yl = torch.randint(0, 4, (300, 96, 96))
    xu = torch.randn(3000, 1, 96, 96)
    xv, yv = torch.randn(100, 1, 96, 96), torch.randint(0, 4, (100, 96, 96))
    lab = DataLoader(TensorDataset(xl, yl), batch_size=4, shuffle=True, drop_last=True)
    unl = DataLoader(TensorDataset(xu), batch_size=8, shuffle=True, drop_last=True)
    val = DataLoader(TensorDataset(xv, yv), batch_size=16)

    student = SmallUNet().to(device)
    teacher = EMATeacher(student)
    opt = torch.optim.Adam(student.parameters(), lr=1e-3)
    lab_it, unl_it = iter(lab), iter(unl)
    student.train()
    for step in range(args.iters):
        try:
            x, y = next(lab_it)
        except StopIteration:
            lab_it = iter(lab)
            x, y = next(lab_it)
        try:
            (u,) = next(unl_it)
        except StopIteration:
            unl_it = iter(unl)
            (u,) = next(unl_it)
        x, y, u = x.to(device), y.to(device), u.to(device)
        sup = F.cross_entropy(student(x), y)
        noisy_u = u + 0.1 * torch.randn_like(u)
        target = teacher.predict(u)
        cons = F.mse_loss(F.softmax(student(noisy_u), dim=1), target)
        ramp = args.cons_weight * min(1.0, step / 2000)
        loss = sup + ramp * cons
        opt.zero_grad()
        loss.backward()
        opt.step()
        teacher.update(student, step)
        if step % 500 == 0:
            student.eval()
            with torch.no_grad():
                d = sum(dice_score(student(xb.to(device)).cpu(), yb) for xb, yb in val) / len(val)
            student.train()
            print(f"step {step} sup {sup.item():.4f} cons {cons.item():.5f} val_dice {d:.4f}")
    torch.save(teacher.model.state_dict(), "mean_teacher.pt")


if __name__ == "__main__":
    main()
