# expect: clean
# style: knowledge-distillation repo (Hinton KD, frozen teacher in eval under no_grad)
# note: KLDivLoss input is log_softmax(student); the TARGET is softmax(teacher) probabilities, which is what KLDivLoss expects
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def make_net(width):
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, width), nn.ReLU(), nn.Linear(width, 10))


def kd_loss(student_logits, teacher_logits, labels, T, alpha):
    soft = F.kl_div(F.log_softmax(student_logits / T, dim=1), F.softmax(teacher_logits / T, dim=1),
                    reduction="batchmean") * (T * T)
    hard = F.cross_entropy(student_logits, labels)
    return alpha * soft + (1.0 - alpha) * hard


def train_kd(student, teacher, loader, optimizer, args):
    student.train()
    teacher.eval()
    running = 0.0
    for images, labels in loader:
        with torch.no_grad():
            t_logits = teacher(images)
        s_logits = student(images)
        loss = kd_loss(s_logits, t_logits, labels, args.temperature, args.alpha)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.item()
    return running / len(loader)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    probs = torch.cat([F.softmax(model(x), dim=1) for x, _ in loader])
    labels = torch.cat([y for _, y in loader])
    return (probs.argmax(1) == labels).float().mean().item()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--temperature", type=float, default=4.0)
    p.add_argument("--alpha", type=float, default=0.7)
    p.add_argument("--epochs", type=int, default=10)
    args = p.parse_args()
    train_loader = DataLoader(TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 10, (2000,))),
                              batch_size=128, shuffle=True)
    test_loader = DataLoader(TensorDataset(torch.randn(500, 3, 32, 32), torch.randint(0, 10, (500,))),
                             batch_size=256)
    teacher, student = make_net(1024), make_net(128)
    teacher.requires_grad_(False)
    optimizer = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[5, 8], gamma=0.1)
    for epoch in range(args.epochs):
        loss = train_kd(student, teacher, train_loader, optimizer, args)
        scheduler.step()
        print(f"[{epoch}] kd loss {loss:.4f} acc {evaluate(student, test_loader):.4f}")


if __name__ == "__main__":
    main()
