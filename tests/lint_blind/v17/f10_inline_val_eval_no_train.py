# expect: TVL004
# style: Kaggle-style single script, plant leaf disease image classification with dropout/BN
# bug: model.train() is called once before the epoch loop, but the in-loop validation switches to model.eval() and nothing switches back, so epochs 2+ train with dropout off and frozen BN statistics.
import os
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

CFG = {
    "seed": 7,
    "img": 96,
    "n_classes": 12,
    "epochs": 12,
    "bs": 48,
    "lr": 3e-4,
    "out": "./working",
}


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)


seed_everything(CFG["seed"])
device = "cuda" if torch.cuda.is_available() else "cpu"

X = torch.randn(3000, 3, CFG["img"], CFG["img"])
y = torch.randint(0, CFG["n_classes"], (3000,))
perm = torch.randperm(len(X))
tr_idx, va_idx = perm[:2500], perm[2500:]
train_loader = DataLoader(TensorDataset(X[tr_idx], y[tr_idx]), batch_size=CFG["bs"], shuffle=True)
valid_loader = DataLoader(TensorDataset(X[va_idx], y[va_idx]), batch_size=CFG["bs"] * 2)


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.MaxPool2d(2),
    )


model = nn.Sequential(
    block(3, 32), block(32, 64), block(64, 128), block(128, 256),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(),
    nn.Dropout(0.4), nn.Linear(256, CFG["n_classes"]),
).to(device)

criterion = nn.CrossEntropyLoss(label_smoothing=0.05)
optimizer = torch.optim.Adam(model.parameters(), lr=CFG["lr"])
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=CFG["epochs"], eta_min=1e-6)

best_acc = 0.0
os.makedirs(CFG["out"], exist_ok=True)
model.train()
for epoch in range(CFG["epochs"]):
    train_loss = 0.0
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        train_loss += loss.item() * images.size(0)
    scheduler.step()
    train_loss /= len(train_loader.dataset)

    # ---- validation
    model.eval()
    val_loss, correct = 0.0, 0
    with torch.no_grad():
        for images, labels in valid_loader:
            images, labels = images.to(device), labels.to(device)
            outputs = model(images)
            val_loss += criterion(outputs, labels).item() * images.size(0)
            correct += (outputs.argmax(1) == labels).sum().item()
    val_loss /= len(valid_loader.dataset)
    val_acc = correct / len(valid_loader.dataset)
    print(f"Epoch {epoch + 1}/{CFG['epochs']}  train_loss={train_loss:.4f}  "
          f"val_loss={val_loss:.4f}  val_acc={val_acc:.4f}  lr={scheduler.get_last_lr()[0]:.2e}")

    if val_acc > best_acc:
        best_acc = val_acc
        torch.save(model.state_dict(), os.path.join(CFG["out"], "best_model.pth"))
        print(f"  -> saved new best ({best_acc:.4f})")

print("best val acc", best_acc)
