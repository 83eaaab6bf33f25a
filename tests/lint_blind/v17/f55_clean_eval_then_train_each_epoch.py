# expect: clean
# style: Kaggle-style single script, flower classification with dropout/BN and per-epoch validation
# note: model.eval() is called inside the epoch loop for validation, but model.train() is called at the top of every epoch, so training mode is restored.
import os
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

CFG = {"seed": 11, "img": 80, "n_classes": 5, "epochs": 10, "bs": 32, "lr": 5e-4, "out": "./out_flowers"}


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


seed_everything(CFG["seed"])
device = "cuda" if torch.cuda.is_available() else "cpu"

X = torch.randn(2000, 3, CFG["img"], CFG["img"])
y = torch.randint(0, CFG["n_classes"], (2000,))
perm = torch.randperm(len(X))
tr, va = perm[:1700], perm[1700:]
train_loader = DataLoader(TensorDataset(X[tr], y[tr]), batch_size=CFG["bs"], shuffle=True, drop_last=True)
valid_loader = DataLoader(TensorDataset(X[va], y[va]), batch_size=CFG["bs"] * 2)


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True), nn.MaxPool2d(2))


model = nn.Sequential(
    conv_block(3, 32), conv_block(32, 64), conv_block(64, 128), conv_block(128, 128),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(128, CFG["n_classes"]),
).to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.AdamW(model.parameters(), lr=CFG["lr"], weight_decay=1e-2)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)

os.makedirs(CFG["out"], exist_ok=True)
best_acc, history = 0.0, []
for epoch in range(CFG["epochs"]):
    model.train()
    running, seen = 0.0, 0
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        running += loss.item() * images.size(0)
        seen += images.size(0)
    scheduler.step()

    model.eval()
    correct, vloss = 0, 0.0
    with torch.no_grad():
        for images, labels in valid_loader:
            images, labels = images.to(device), labels.to(device)
            out = model(images)
            vloss += criterion(out, labels).item() * images.size(0)
            correct += (out.argmax(1) == labels).sum().item()
    acc = correct / len(valid_loader.dataset)
    history.append((running / seen, vloss / len(valid_loader.dataset), acc))
    print(f"epoch {epoch + 1:02d} train {history[-1][0]:.4f} val {history[-1][1]:.4f} acc {acc:.4f} "
          f"lr {scheduler.get_last_lr()[0]:.1e}")
    if acc > best_acc:
        best_acc = acc
        torch.save(model.state_dict(), os.path.join(CFG["out"], "best.pth"))

np.savetxt(os.path.join(CFG["out"], "history.csv"), np.array(history), delimiter=",", header="train,val,acc")
print("best", best_acc)
