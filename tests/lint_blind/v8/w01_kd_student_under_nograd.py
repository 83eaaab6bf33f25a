# expect: TVL001
# style: knowledge distillation script, CIFAR-like vision, argparse
# bug: the student's forward was moved into the same torch.no_grad() block as the teacher, so the distillation loss has no path to the student's weights
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger("kd")


def conv_block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class SmallNet(nn.Module):
    def __init__(self, width=32, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            conv_block(3, width), nn.MaxPool2d(2),
            conv_block(width, width * 2), nn.MaxPool2d(2),
            conv_block(width * 2, width * 4), nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(width * 4, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--temperature", type=float, default=4.0)
    p.add_argument("--alpha", type=float, default=0.9)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    return p.parse_args()


def make_data(n=4096):
    x = torch.randn(n, 3, 32, 32)
    y = torch.randint(0, 10, (n,))
    return TensorDataset(x, y)


def kd_loss(student_logits, teacher_logits, targets, T, alpha):
    soft = F.kl_div(
        F.log_softmax(student_logits / T, dim=1),
        F.softmax(teacher_logits / T, dim=1),
        reduction="batchmean",
    ) * (T * T)
    hard = F.cross_entropy(student_logits, targets)
    return alpha * soft + (1.0 - alpha) * hard


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        correct += (model(x).argmax(1) == y).sum().item()
        total += y.numel()
    return correct / max(total, 1)


def main():
    args = get_args()
    device = torch.device(args.device)
    train_loader = DataLoader(make_data(), batch_size=args.batch_size, shuffle=True, drop_last=True)
    val_loader = DataLoader(make_data(1024), batch_size=256, shuffle=False)

    teacher = SmallNet(width=64).to(device)
    teacher.eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = SmallNet(width=16).to(device)

    optimizer = torch.optim.SGD(student.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    best = 0.0
    for epoch in range(args.epochs):
        student.train()
        t0 = time.time()
        running = 0.0
        for step, (x, y) in enumerate(train_loader):
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            # teacher targets do not need gradients; keep both forwards together
            # so the two logits are computed on exactly the same augmented batch
            with torch.no_grad():
                t_logits = teacher(x)
                s_logits = student(x)
            loss = kd_loss(s_logits, t_logits, y, args.temperature, args.alpha)

            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            running += loss.item()
            if step % 50 == 0:
                log.info("epoch %d step %d loss %.4f", epoch, step, loss.item())
        scheduler.step()

        acc = evaluate(student, val_loader, device)
        log.info("epoch %d done in %.1fs  train_loss %.4f  val_acc %.4f",
                 epoch, time.time() - t0, running / len(train_loader), acc)
        if acc > best:
            best = acc
            torch.save(student.state_dict(), "student_best.pt")
    log.info("best val acc %.4f", best)


if __name__ == "__main__":
    main()
