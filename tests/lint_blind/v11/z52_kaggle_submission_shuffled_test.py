# expect: TVL017
# style: Kaggle kernel, image classification with submission.csv; test loader built with the same helper as train
# bug: `make_loader(test_ds, shuffle=True)` shuffles the test set, and predictions are written next to `test_df["id"]` in the dataframe's original order
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

N_CLASSES = 5
IMG = 48

train_df = pd.DataFrame({"id": [f"tr_{i}" for i in range(1500)], "label": np.random.randint(0, N_CLASSES, 1500)})
test_df = pd.DataFrame({"id": [f"te_{i}" for i in range(500)]})
images = {i: np.random.rand(3, IMG, IMG).astype(np.float32) for i in list(train_df.id) + list(test_df.id)}


class LeafDataset(Dataset):
    def __init__(self, df, with_labels=True):
        self.df = df.reset_index(drop=True)
        self.with_labels = with_labels

    def __len__(self):
        return len(self.df)

    def __getitem__(self, idx):
        img = torch.from_numpy(images[self.df.loc[idx, "id"]])
        if self.with_labels:
            return img, int(self.df.loc[idx, "label"])
        return img


def make_loader(ds, shuffle=True, bs=32):
    return DataLoader(ds, batch_size=bs, shuffle=shuffle, num_workers=2)


model = nn.Sequential(
    nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(64, N_CLASSES),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

train_loader = make_loader(LeafDataset(train_df))
for epoch in range(6):
    model.train()
    total = 0.0
    for x, y in train_loader:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"Epoch {epoch}: loss={total / len(train_loader):.4f}")

# ---------------- inference ----------------
test_ds = LeafDataset(test_df, with_labels=False)
test_loader = make_loader(test_ds, shuffle=True, bs=64)
model.eval()
preds = []
with torch.no_grad():
    for x in test_loader:
        preds.extend(model(x).argmax(1).tolist())

sub = pd.DataFrame({"id": test_df["id"], "label": preds})
sub.to_csv("submission.csv", index=False)
print(sub.head())
