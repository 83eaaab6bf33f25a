# expect: TVL015
# style: Kaggle notebook, image classification on a class-sorted folder listing
# bug: the training DataLoader is built without shuffle=True or a sampler, and the file list is sorted by class, so every epoch sees the classes in blocks
import os
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

SEED, EPOCHS, BS, LR = 0, 8, 64, 1e-3
IMG = 48
CLASSES = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
random.seed(SEED)
np.random.seed(SEED)
torch.manual_seed(SEED)

# In the competition this was glob("/kaggle/input/fer/train/*/*.png"); synthesize an equivalent sorted listing
records = []
for ci, c in enumerate(CLASSES):
    for k in range(400):
        records.append((os.path.join("train", c, f"{k:05d}.png"), ci))
records.sort()
val_records = [(p.replace("train", "val"), y) for p, y in records[::10]]
print(len(records), "train images,", len(val_records), "val images")


class FERDataset(Dataset):
    def __init__(self, records, augment=False):
        self.records = records
        self.augment = augment

    def __len__(self):
        return len(self.records)

    def __getitem__(self, i):
        path, label = self.records[i]
        rng = np.random.default_rng(abs(hash(path)) % (2 ** 32))
        img = rng.random((1, IMG, IMG), dtype=np.float32)  # stand-in for cv2.imread(path, 0) / 255.
        if self.augment and random.random() < 0.5:
            img = img[:, :, ::-1].copy()
        return torch.from_numpy(img), label


train_loader = DataLoader(FERDataset(records, augment=True), batch_size=BS, num_workers=2, drop_last=True)
val_loader = DataLoader(FERDataset(val_records), batch_size=256, num_workers=2)


class FERNet(nn.Module):
    def __init__(self):
        super().__init__()
        def blk(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2))
        self.f = nn.Sequential(blk(1, 32), blk(32, 64), blk(64, 128))
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.4), nn.Linear(128 * 6 * 6, 256), nn.ReLU(),
                                  nn.Linear(256, len(CLASSES)))

    def forward(self, x):
        return self.head(self.f(x))


model = FERNet().to(DEVICE)
optimizer = torch.optim.Adam(model.parameters(), lr=LR)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", patience=2, factor=0.5)

best_acc = 0.0
for epoch in range(EPOCHS):
    model.train()
    tl = 0.0
    for x, y in train_loader:
        x, y = x.to(DEVICE), y.to(DEVICE)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        tl += loss.item()
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in val_loader:
            correct += (model(x.to(DEVICE)).argmax(1).cpu() == y).sum().item()
    acc = correct / len(val_records)
    scheduler.step(acc)
    print(f"Epoch {epoch + 1}: train_loss={tl / len(train_loader):.4f} val_acc={acc:.4f}")
    if acc > best_acc:
        best_acc = acc
        torch.save(model.state_dict(), "fer_best.pth")
