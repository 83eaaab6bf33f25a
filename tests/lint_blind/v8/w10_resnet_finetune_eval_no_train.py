# expect: TVL004
# style: Kaggle-kernel image classification fine-tune, inline loops with dropout/BN
# bug: model.train() is called once before the epoch loop; the validation block inside the loop switches to model.eval() and nothing switches back, so epochs 2+ train with BN/dropout in eval mode
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

SEED = 2024
random.seed(SEED)
np.random.seed(SEED)
torch.manual_seed(SEED)

CFG = {
    "img_size": 96,
    "num_classes": 5,
    "batch_size": 32,
    "epochs": 8,
    "lr": 3e-4,
    "out_dir": "./working",
}
os.makedirs(CFG["out_dir"], exist_ok=True)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class LeafDataset(Dataset):
    def __init__(self, n, train=True):
        self.n = n
        self.train = train
        self.labels = np.random.randint(0, CFG["num_classes"], size=n)

    def __len__(self):
        return self.n

    def __getitem__(self, idx):
        img = torch.rand(3, CFG["img_size"], CFG["img_size"])
        if self.train and random.random() < 0.5:
            img = torch.flip(img, dims=[2])
        return img, int(self.labels[idx])


def make_model():
    layers = []
    ch = 3
    for out in (32, 64, 128, 256):
        layers += [nn.Conv2d(ch, out, 3, padding=1, bias=False), nn.BatchNorm2d(out), nn.SiLU(), nn.MaxPool2d(2)]
        ch = out
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3),
                         nn.Linear(ch, CFG["num_classes"]))


train_ds, valid_ds = LeafDataset(2400, True), LeafDataset(600, False)
train_loader = DataLoader(train_ds, batch_size=CFG["batch_size"], shuffle=True, num_workers=2, pin_memory=True)
valid_loader = DataLoader(valid_ds, batch_size=CFG["batch_size"] * 2, shuffle=False, num_workers=2)

model = make_model().to(device)
criterion = nn.CrossEntropyLoss(label_smoothing=0.05)
optimizer = torch.optim.AdamW(model.parameters(), lr=CFG["lr"], weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=CFG["epochs"], eta_min=1e-6)

best_acc = 0.0
model.train()
for epoch in range(CFG["epochs"]):
    start = time.time()
    train_loss, seen = 0.0, 0
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        preds = model(images)
        loss = criterion(preds, labels)
        loss.backward()
        optimizer.step()
        train_loss += loss.item() * images.size(0)
        seen += images.size(0)
    scheduler.step()

    # ---------------- validation ----------------
    model.eval()
    valid_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in valid_loader:
            images, labels = images.to(device), labels.to(device)
            preds = model(images)
            valid_loss += criterion(preds, labels).item() * images.size(0)
            correct += (preds.argmax(1) == labels).sum().item()
            count += images.size(0)
    acc = correct / count
    print(f"Epoch {epoch + 1} | train {train_loss / seen:.4f} | valid {valid_loss / count:.4f} "
          f"| acc {acc:.4f} | lr {scheduler.get_last_lr()[0]:.2e} | {time.time() - start:.0f}s")
    if acc > best_acc:
        best_acc = acc
        torch.save(model.state_dict(), os.path.join(CFG["out_dir"], "best_model.pth"))
        print(f"  >> saved best ({best_acc:.4f})")
