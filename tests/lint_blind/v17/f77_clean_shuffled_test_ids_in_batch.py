# expect: clean
# style: Kaggle kernel with train + submission; the test Dataset returns each row's id alongside the image
# note: the test DataLoader is shuffled (copied loader settings), but each batch carries its own ids and the submission is built from those ids, so rows stay matched regardless of order.
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

SEED, IMG, BS, EPOCHS = 3, 48, 64, 6
torch.manual_seed(SEED)
np.random.seed(SEED)

train_df = pd.DataFrame({"image_id": [f"img_{i}" for i in range(4000)], "label": np.random.randint(0, 4, 4000)})
test_df = pd.DataFrame({"image_id": [f"test_{i}" for i in range(1200)]})


class ImageDS(Dataset):
    def __init__(self, df, with_label=True):
        self.df = df.reset_index(drop=True)
        self.with_label = with_label

    def __len__(self):
        return len(self.df)

    def _load(self, image_id):
        rs = np.random.RandomState(int(image_id.split("_")[1]))
        return torch.from_numpy(rs.normal(size=(3, IMG, IMG)).astype(np.float32))

    def __getitem__(self, i):
        row = self.df.iloc[i]
        img = self._load(row.image_id)
        if self.with_label:
            img[int(row.label) % 3] += 0.4 * (int(row.label) + 1)
            return img, int(row.label)
        return img, row.image_id


loader_kw = dict(batch_size=BS, shuffle=True, num_workers=2)
train_loader = DataLoader(ImageDS(train_df), drop_last=True, **loader_kw)
test_loader = DataLoader(ImageDS(test_df, with_label=False), **loader_kw)

model = nn.Sequential(
    nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Linear(128, 4),
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(EPOCHS):
    model.train()
    losses = []
    for x, y in train_loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print(f"epoch {epoch} loss {np.mean(losses):.4f}")

model.eval()
rows = []
with torch.no_grad():
    for x, ids in test_loader:
        pred = model(x).argmax(1).tolist()
        rows.extend(zip(ids, pred))

sub = pd.DataFrame(rows, columns=["image_id", "label"])
sub = test_df[["image_id"]].merge(sub, on="image_id", how="left")
assert sub.label.notna().all()
os.makedirs("submission", exist_ok=True)
sub.to_csv("submission/submission.csv", index=False)
print(sub.head(), sub.label.value_counts(), sep="\n")
