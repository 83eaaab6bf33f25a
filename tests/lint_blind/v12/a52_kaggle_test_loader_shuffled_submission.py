# expect: TVL017
# style: Kaggle competition kernel (plant disease image classification), inline, writes submission.csv
# bug: the test DataLoader uses shuffle=True, and the concatenated predictions are written next to test_df["image_id"] in the CSV's original order
import os
import random

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

SEED, N_CLASSES, IMG = 42, 4, 96
random.seed(SEED)
np.random.seed(SEED)
torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

# --- stand-ins for train.csv / test.csv and the image folder ---
train_df = pd.DataFrame({"image_id": [f"Train_{i}" for i in range(1800)],
                         "label": np.random.randint(0, N_CLASSES, 1800)})
test_df = pd.DataFrame({"image_id": [f"Test_{i}" for i in range(600)]})
IMAGES = {iid: np.random.rand(3, IMG, IMG).astype(np.float32) for iid in list(train_df.image_id) + list(test_df.image_id)}


class LeafDataset(Dataset):
    def __init__(self, df, train=True):
        self.ids = df["image_id"].values
        self.labels = df["label"].values if "label" in df else None
        self.train = train

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        img = torch.from_numpy(IMAGES[self.ids[i]])
        if self.train and random.random() < 0.5:
            img = img.flip(-1)
        if self.labels is None:
            return img
        return img, int(self.labels[i])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.head = nn.Linear(128, N_CLASSES)

    def forward(self, x):
        return self.head(self.f(x).flatten(1))


train_loader = DataLoader(LeafDataset(train_df), batch_size=32, shuffle=True, num_workers=2)
test_loader = DataLoader(LeafDataset(test_df, train=False), batch_size=64, shuffle=True, num_workers=2)

model = Net().to(DEVICE)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)

for epoch in range(12):
    model.train()
    loss_sum, correct = 0.0, 0
    for imgs, labels in train_loader:
        imgs, labels = imgs.to(DEVICE), labels.to(DEVICE)
        optimizer.zero_grad()
        out = model(imgs)
        loss = F.cross_entropy(out, labels)
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(labels)
        correct += (out.argmax(1) == labels).sum().item()
    scheduler.step()
    print(f"Epoch {epoch}: loss {loss_sum / len(train_df):.4f} train acc {correct / len(train_df):.4f}")

# ---- inference + TTA ----
model.eval()
all_probs = []
with torch.no_grad():
    for imgs in test_loader:
        imgs = imgs.to(DEVICE)
        p = F.softmax(model(imgs), dim=1) + F.softmax(model(imgs.flip(-1)), dim=1)
        all_probs.append((p / 2).cpu().numpy())
probs = np.concatenate(all_probs)

sub = pd.DataFrame({"image_id": test_df["image_id"], "label": probs.argmax(1)})
os.makedirs("output", exist_ok=True)
sub.to_csv("output/submission.csv", index=False)
print(sub.head())
print(sub["label"].value_counts())
