# expect: TVL008
# style: knowledge distillation script (teacher/student CNNs), inline loop
# bug: the student's distribution is passed to nn.KLDivLoss as softmax probabilities instead of log_softmax, so the KL term is computed on the wrong quantity
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def conv_net(width, n_classes=10):
    return nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, width * 2, 3, padding=1), nn.BatchNorm2d(width * 2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width * 2, width * 4, 3, padding=1), nn.BatchNorm2d(width * 4), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width * 4, n_classes),
    )


parser = argparse.ArgumentParser()
parser.add_argument("--teacher-ckpt", default=None)
parser.add_argument("--T", type=float, default=4.0)
parser.add_argument("--alpha", type=float, default=0.9)
parser.add_argument("--epochs", type=int, default=30)
parser.add_argument("--lr", type=float, default=0.05)
args = parser.parse_args()

device = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)
x = torch.randn(12000, 3, 32, 32)
y = torch.randint(0, 10, (12000,))
train_loader = DataLoader(TensorDataset(x[:10000], y[:10000]), batch_size=128, shuffle=True, drop_last=True)
test_loader = DataLoader(TensorDataset(x[10000:], y[10000:]), batch_size=256)

teacher = conv_net(64).to(device)
if args.teacher_ckpt:
    teacher.load_state_dict(torch.load(args.teacher_ckpt, map_location=device, weights_only=True))
teacher.eval()
for p in teacher.parameters():
    p.requires_grad_(False)

student = conv_net(16).to(device)
optimizer = torch.optim.SGD(student.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[15, 25], gamma=0.1)
kd_criterion = nn.KLDivLoss(reduction="batchmean")
ce_criterion = nn.CrossEntropyLoss()
T = args.T

for epoch in range(args.epochs):
    student.train()
    t0 = time.time()
    kd_sum, ce_sum, n = 0.0, 0.0, 0
    for xb, yb in train_loader:
        xb, yb = xb.to(device), yb.to(device)
        with torch.no_grad():
            t_logits = teacher(xb)
        s_logits = student(xb)
        s_soft = F.softmax(s_logits / T, dim=1)
        t_soft = F.softmax(t_logits / T, dim=1)
        loss_kd = kd_criterion(s_soft, t_soft) * (T * T)
        loss_ce = ce_criterion(s_logits, yb)
        loss = args.alpha * loss_kd + (1 - args.alpha) * loss_ce
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        kd_sum += loss_kd.item() * xb.size(0)
        ce_sum += loss_ce.item() * xb.size(0)
        n += xb.size(0)
    scheduler.step()

    student.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in test_loader:
            correct += (student(xb.to(device)).argmax(1).cpu() == yb).sum().item()
    print(f"epoch {epoch:02d} kd {kd_sum / n:.4f} ce {ce_sum / n:.4f} "
          f"test_acc {correct / len(test_loader.dataset):.4f} ({time.time() - t0:.0f}s)")

torch.save(student.state_dict(), "student_kd.pt")
