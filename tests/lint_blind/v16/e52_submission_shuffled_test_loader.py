# expect: TVL017
# style: Kaggle image-competition kernel, inference writes submission.csv from a shuffled test loader
# bug: the test DataLoader uses shuffle=True, and predictions are written next to test_df["image_id"] in the dataframe's original order, so labels go to the wrong ids
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
N_CLASSES = 5
BS = 64
EPOCHS = 6


class ImgDS(Dataset):
    def __init__(self, df, labeled=True):
        self.df = df.reset_index(drop=True)
        self.labeled = labeled

    def __len__(self):
        return len(self.df)

    def __getitem__(self, i):
        seed = int(self.df.loc[i, "image_id"].split("_")[1])
        img = torch.from_numpy(np.random.default_rng(seed).normal(size=(3, 64, 64)).astype(np.float32))
        if self.labeled:
            return img, int(self.df.loc[i, "label"])
        return img


def build_model():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(128, N_CLASSES))


train_df = pd.DataFrame({"image_id": [f"train_{i}" for i in range(4000)],
                         "label": np.random.randint(0, N_CLASSES, 4000)})
test_df = pd.DataFrame({"image_id": [f"test_{i}" for i in range(1000)]})
print(train_df.label.value_counts())

train_loader = DataLoader(ImgDS(train_df), batch_size=BS, shuffle=True, num_workers=2, drop_last=True)
model = build_model().to(DEVICE)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()

for epoch in range(EPOCHS):
    model.train()
    running, correct, seen = 0.0, 0, 0
    for imgs, labels in train_loader:
        imgs, labels = imgs.to(DEVICE), labels.to(DEVICE)
        optimizer.zero_grad()
        out = model(imgs)
        loss = criterion(out, labels)
        loss.backward()
        optimizer.step()
        running += loss.item() * len(labels)
        correct += (out.argmax(1) == labels).sum().item()
        seen += len(labels)
    print(f"epoch {epoch} loss {running / seen:.4f} train acc {correct / seen:.4f}")

# ------------------------------------------------------------ inference
test_loader = DataLoader(ImgDS(test_df, labeled=False), batch_size=BS, shuffle=True, num_workers=2)
model.eval()
preds = []
with torch.no_grad():
    for imgs in test_loader:
        logits = model(imgs.to(DEVICE))
        # light TTA: horizontal flip
        logits = logits + model(torch.flip(imgs.to(DEVICE), dims=[3]))
        preds.append(logits.argmax(1).cpu().numpy())

submission = test_df.copy()
submission["label"] = np.concatenate(preds)
submission.to_csv(os.path.join(".", "submission.csv"), index=False)
print(submission.head())
print(submission.label.value_counts(normalize=True))
