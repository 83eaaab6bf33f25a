# expect: TVL017
# style: Kaggle image-classification kernel writing submission.csv
# bug: the test DataLoader is created with shuffle=True, but predictions are concatenated in loader order and written next to test_df["id"] in the frame's original order, so labels are assigned to the wrong ids
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

# ------------------------------------------------------------------ config
BATCH_SIZE = 64
EPOCHS = 8
LR = 2e-3
N_CLASSES = 5
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
torch.manual_seed(0)
np.random.seed(0)

# ------------------------------------------------------------------ data (stand-in for train.csv / test.csv)
train_df = pd.DataFrame({"id": [f"tr_{i}" for i in range(4000)], "label": np.random.randint(0, N_CLASSES, 4000)})
test_df = pd.DataFrame({"id": [f"te_{i}" for i in range(1000)]})
_cache = {}


def load_image(img_id, label=None):
    if img_id not in _cache:
        rng = np.random.default_rng(abs(hash(img_id)) % (2 ** 32))
        img = rng.normal(0, 1, (3, 48, 48)).astype(np.float32)
        if label is not None:
            img[label % 3] += 0.5 * (label + 1)
        _cache[img_id] = img
    return _cache[img_id]


class LeafDataset(Dataset):
    def __init__(self, df, train=True):
        self.df = df.reset_index(drop=True)
        self.train = train

    def __len__(self):
        return len(self.df)

    def __getitem__(self, idx):
        row = self.df.iloc[idx]
        label = int(row["label"]) if self.train else None
        img = torch.from_numpy(load_image(row["id"], label))
        if self.train and np.random.rand() < 0.5:
            img = img.flip(2)
        return (img, label) if self.train else img


train_loader = DataLoader(LeafDataset(train_df), batch_size=BATCH_SIZE, shuffle=True, num_workers=2)
test_loader = DataLoader(LeafDataset(test_df, train=False), batch_size=BATCH_SIZE, shuffle=True, num_workers=2)


# ------------------------------------------------------------------ model
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(128, N_CLASSES)

    def forward(self, x):
        return self.fc(self.f(x).flatten(1))


model = Net().to(DEVICE)
optimizer = torch.optim.Adam(model.parameters(), lr=LR)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS)

# ------------------------------------------------------------------ train
for epoch in range(EPOCHS):
    model.train()
    total, correct, loss_sum = 0, 0, 0.0
    for imgs, labels in train_loader:
        imgs, labels = imgs.to(DEVICE), labels.to(DEVICE)
        out = model(imgs)
        loss = F.cross_entropy(out, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(labels)
        correct += (out.argmax(1) == labels).sum().item()
        total += len(labels)
    scheduler.step()
    print(f"Epoch {epoch + 1}/{EPOCHS}  loss={loss_sum / total:.4f}  acc={correct / total:.4f}")

# ------------------------------------------------------------------ inference
model.eval()
predictions = []
with torch.no_grad():
    for imgs in test_loader:
        probs = F.softmax(model(imgs.to(DEVICE)), dim=1)
        predictions.append(probs.argmax(1).cpu().numpy())
predictions = np.concatenate(predictions)

submission = pd.DataFrame({"id": test_df["id"], "label": predictions})
submission.to_csv("submission.csv", index=False)
print(submission.head())
print(submission.label.value_counts())
os.makedirs("models", exist_ok=True)
torch.save(model.state_dict(), "models/final.pt")
