# expect: clean
# style: plain distillation script, keyword-spotting student distilled from a larger teacher
# note: KLDivLoss gets log_softmax(student / T) as input and softmax(teacher / T) as target (the documented convention), and the teacher runs under no_grad while the student is trained.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

T = 3.0
ALPHA = 0.8
N_KEYWORDS = 12


def kws_net(width):
    return nn.Sequential(
        nn.Conv2d(1, width, (3, 3), padding=1), nn.BatchNorm2d(width), nn.ReLU(),
        nn.Conv2d(width, width, (3, 3), stride=2, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
        nn.Conv2d(width, 2 * width, (3, 3), stride=2, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * width, N_KEYWORDS),
    )


teacher = kws_net(96)
student = kws_net(16)
teacher.eval()
teacher.requires_grad_(False)

mels = torch.randn(5000, 1, 40, 98)
labels = torch.randint(0, N_KEYWORDS, (5000,))
train_loader = DataLoader(TensorDataset(mels[:4500], labels[:4500]), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(mels[4500:], labels[4500:]), batch_size=250)

kd_criterion = nn.KLDivLoss(reduction="batchmean")
optimizer = torch.optim.Adam(student.parameters(), lr=1e-3)

for epoch in range(10):
    student.train()
    kd_sum = ce_sum = 0.0
    for x, y in train_loader:
        with torch.no_grad():
            t_logits = teacher(x)
        s_logits = student(x)
        kd = kd_criterion(F.log_softmax(s_logits / T, dim=1), F.softmax(t_logits / T, dim=1)) * T * T
        ce = F.cross_entropy(s_logits, y)
        loss = ALPHA * kd + (1 - ALPHA) * ce
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        kd_sum += kd.item()
        ce_sum += ce.item()

    student.eval()
    correct = 0
    with torch.no_grad():
        for x, y in val_loader:
            correct += (student(x).argmax(1) == y).sum().item()
    print(f"epoch {epoch} kd {kd_sum / len(train_loader):.4f} ce {ce_sum / len(train_loader):.4f} "
          f"val_acc {correct / 500:.3f}")

torch.save(student.state_dict(), "kws_student.pt")
print("student params", sum(p.numel() for p in student.parameters()))
