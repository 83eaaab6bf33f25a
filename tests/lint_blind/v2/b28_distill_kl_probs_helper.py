# expect: TVL008
# style: knowledge-distillation repo (teacher/student, Hinton KD loss in a helper)
# bug: kd_loss() passes softmax probabilities (not log-probabilities) of the student as the input of F.kl_div
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def mlp(d_in, hidden, n_cls, depth):
    layers, d = [], d_in
    for _ in range(depth):
        layers += [nn.Linear(d, hidden), nn.ReLU()]
        d = hidden
    return nn.Sequential(*layers, nn.Linear(d, n_cls))


def kd_loss(student_logits, teacher_logits, labels, T=4.0, alpha=0.9):
    p_s = F.softmax(student_logits / T, dim=1)
    p_t = F.softmax(teacher_logits / T, dim=1)
    soft = F.kl_div(p_s, p_t, reduction="batchmean") * (T * T)
    hard = F.cross_entropy(student_logits, labels)
    return alpha * soft + (1.0 - alpha) * hard


def distill_epoch(student, teacher, loader, optimizer, args):
    student.train()
    teacher.eval()
    total = 0.0
    for x, y in loader:
        with torch.no_grad():
            t_logits = teacher(x)
        s_logits = student(x)
        loss = kd_loss(s_logits, t_logits, y, T=args.temperature, alpha=args.alpha)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * x.size(0)
    return total / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--temperature", type=float, default=4.0)
    parser.add_argument("--alpha", type=float, default=0.9)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    teacher = mlp(64, 512, 10, depth=4)
    student = mlp(64, 64, 10, depth=2)
    for p in teacher.parameters():
        p.requires_grad_(False)
    ds = TensorDataset(torch.randn(3000, 64), torch.randint(0, 10, (3000,)))
    loader = DataLoader(ds, batch_size=128, shuffle=True)
    optimizer = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9)
    for epoch in range(args.epochs):
        print(f"epoch {epoch} kd loss {distill_epoch(student, teacher, loader, optimizer, args):.4f}")


if __name__ == "__main__":
    main()
