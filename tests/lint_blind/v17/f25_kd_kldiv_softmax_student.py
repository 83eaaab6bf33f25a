# expect: TVL008
# style: knowledge-distillation script with a distill_loss helper, CIFAR-like synthetic data
# bug: distill_loss passes F.softmax(student/T) (probabilities) as the input of KLDivLoss, which expects log-probabilities.
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def make_cnn(width, n_cls=100):
    return nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
        nn.Conv2d(width, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, width * 2, 3, padding=1), nn.BatchNorm2d(width * 2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width * 2, width * 4, 3, padding=1), nn.BatchNorm2d(width * 4), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width * 4, n_cls),
    )


kl_div = nn.KLDivLoss(reduction="batchmean")


def distill_loss(student_logits, teacher_logits, labels, T, alpha):
    soft_student = F.softmax(student_logits / T, dim=1)
    soft_teacher = F.softmax(teacher_logits / T, dim=1)
    kd = kl_div(soft_student, soft_teacher) * (T * T)
    ce = F.cross_entropy(student_logits, labels)
    return alpha * kd + (1.0 - alpha) * ce, kd.item(), ce.item()


def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for x, y in loader:
            correct += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
            total += len(y)
    return correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--temperature", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=0.9)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--teacher-seed", type=int, default=123)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)

    x = torch.randn(6000, 3, 32, 32)
    y = torch.randint(0, 100, (6000,))
    train_dl = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=128, shuffle=True)
    test_dl = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256)

    torch.manual_seed(args.teacher_seed)
    teacher = make_cnn(128).to(device).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = make_cnn(32).to(device)

    opt = torch.optim.SGD(student.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4, nesterov=True)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)

    for epoch in range(args.epochs):
        student.train()
        kd_sum = ce_sum = 0.0
        for xb, yb in train_dl:
            xb, yb = xb.to(device), yb.to(device)
            with torch.no_grad():
                t_logits = teacher(xb)
            s_logits = student(xb)
            loss, kd, ce = distill_loss(s_logits, t_logits, yb, args.temperature, args.alpha)
            opt.zero_grad()
            loss.backward()
            opt.step()
            kd_sum += kd
            ce_sum += ce
        sched.step()
        acc = evaluate(student, test_dl, device)
        print(f"epoch {epoch} kd {kd_sum / len(train_dl):.4f} ce {ce_sum / len(train_dl):.4f} acc {acc:.4f}")

    torch.save(student.state_dict(), "student.pt")


if __name__ == "__main__":
    main()
