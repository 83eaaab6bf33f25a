# expect: TVL001
# style: notebook export, feature-map distillation for image classification
# bug: the student's feature forward was moved into the teacher's no_grad block, so only the projector receives gradients
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

# %% config
EPOCHS = 5
BATCH = 64
LR = 3e-4
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


# %% models
def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2))


class Net(nn.Module):
    def __init__(self, widths, n_classes=10):
        super().__init__()
        layers, cin = [], 3
        for w in widths:
            layers.append(conv_block(cin, w))
            cin = w
        self.features = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, n_classes)

    def forward(self, x):
        f = self.features(x)
        return self.fc(f.mean((2, 3))), f


teacher = Net([64, 128, 256]).to(DEVICE)
student = Net([32, 64, 96]).to(DEVICE)
projector = nn.Conv2d(96, 256, 1).to(DEVICE)
teacher.eval()

# %% data (synthetic stand-in for CIFAR)
x = torch.randn(2048, 3, 32, 32)
y = torch.randint(0, 10, (2048,))
train_loader = DataLoader(TensorDataset(x, y), batch_size=BATCH, shuffle=True, drop_last=True)
xv = torch.randn(512, 3, 32, 32)
yv = torch.randint(0, 10, (512,))
val_loader = DataLoader(TensorDataset(xv, yv), batch_size=256)

optimizer = torch.optim.Adam(list(student.parameters()) + list(projector.parameters()), lr=LR)


# %% eval helper
def accuracy(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for xb, yb in loader:
            logits, _ = model(xb.to(DEVICE))
            correct += (logits.argmax(1).cpu() == yb).sum().item()
            total += yb.numel()
    model.train()
    return correct / total


# %% train
history = []
for epoch in range(EPOCHS):
    student.train()
    t0 = time.time()
    run_loss = 0.0
    for xb, yb in train_loader:
        xb, yb = xb.to(DEVICE), yb.to(DEVICE)
        with torch.no_grad():
            t_logits, t_feat = teacher(xb)
            s_logits, s_feat = student(xb)
        feat_loss = F.mse_loss(projector(s_feat), t_feat)
        loss = 10.0 * feat_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        run_loss += loss.item()
    acc = accuracy(student, val_loader)
    history.append((epoch, run_loss / len(train_loader), acc))
    print(f"epoch {epoch} loss {run_loss / len(train_loader):.4f} val_acc {acc:.3f} ({time.time() - t0:.1f}s)")

# %% save
torch.save({"student": student.state_dict(), "projector": projector.state_dict()}, "student_fkd.pt")
print(history)
