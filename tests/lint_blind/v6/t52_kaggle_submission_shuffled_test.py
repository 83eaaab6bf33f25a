# expect: TVL017
# style: Kaggle kernel, image classification submission (plant seedlings-like) written with pandas
# bug: the test DataLoader uses shuffle=True, yet the concatenated predictions are written next to test_df["id"] in the dataframe's original order.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

N_CLASSES = 12
IMG = 64


class ImageFrame(Dataset):
    def __init__(self, df, with_labels=True):
        self.df = df.reset_index(drop=True)
        self.with_labels = with_labels
        rng = np.random.default_rng(0)
        self.pixels = rng.random((len(df), 3, IMG, IMG), dtype=np.float32)

    def __len__(self):
        return len(self.df)

    def __getitem__(self, i):
        x = torch.from_numpy(self.pixels[i])
        if self.with_labels:
            return x, int(self.df.loc[i, "label"])
        return x


train_df = pd.DataFrame({"id": [f"tr_{i:05d}" for i in range(3000)], "label": np.random.randint(0, N_CLASSES, 3000)})
test_df = pd.DataFrame({"id": [f"te_{i:05d}" for i in range(800)]})

train_loader = DataLoader(ImageFrame(train_df), batch_size=64, shuffle=True, num_workers=2)
test_loader = DataLoader(ImageFrame(test_df, with_labels=False), batch_size=64, shuffle=True, num_workers=2)

model = nn.Sequential(
    nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
    nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, N_CLASSES),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(8):
    model.train()
    tr_loss = 0.0
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        tr_loss += loss.item()
    print(f"epoch {epoch}: train loss {tr_loss / len(train_loader):.4f}")

model.eval()
predictions = []
with torch.no_grad():
    for x in test_loader:
        predictions.append(model(x).argmax(1).numpy())
predictions = np.concatenate(predictions)

submission = pd.DataFrame({"id": test_df["id"], "label": predictions})
submission.to_csv("submission.csv", index=False)
print(submission.head())
print(submission["label"].value_counts())
