# expect: TVL008
# style: knowledge-distillation repo (Hinton KD, teacher/student, train_kd() function)
# bug: nn.KLDivLoss gets F.softmax(student) as its input; KLDivLoss expects log-probabilities for the input
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def make_net(width):
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, width), nn.ReLU(), nn.Linear(width, 10))


def train_kd(student, teacher, loader, optimizer, T, alpha):
    kl = nn.KLDivLoss(reduction="batchmean")
    student.train()
    teacher.eval()
    total = 0.0
    for images, labels in loader:
        with torch.no_grad():
            t_logits = teacher(images)
        s_logits = student(images)
        soft_loss = kl(F.softmax(s_logits / T, dim=1), F.softmax(t_logits / T, dim=1)) * (T * T)
        hard_loss = F.cross_entropy(s_logits, labels)
        loss = alpha * soft_loss + (1.0 - alpha) * hard_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


@torch.no_grad()
def accuracy(model, loader):
    model.eval()
    hits = sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
    return hits / len(loader.dataset)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--temperature", type=float, default=4.0)
    p.add_argument("--alpha", type=float, default=0.9)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=0.05)
    args = p.parse_args()

    data = TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 10, (2000,)))
    test = TensorDataset(torch.randn(500, 3, 32, 32), torch.randint(0, 10, (500,)))
    train_loader = DataLoader(data, batch_size=128, shuffle=True, num_workers=2)
    test_loader = DataLoader(test, batch_size=256)

    teacher, student = make_net(1024), make_net(128)
    for p_ in teacher.parameters():
        p_.requires_grad_(False)
    optimizer = torch.optim.SGD(student.parameters(), lr=args.lr, momentum=0.9, nesterov=True)
    for epoch in range(args.epochs):
        loss = train_kd(student, teacher, train_loader, optimizer, args.temperature, args.alpha)
        print(f"[{epoch}] kd loss {loss:.4f}  student acc {accuracy(student, test_loader):.4f}")


if __name__ == "__main__":
    main()
