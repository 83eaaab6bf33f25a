# expect: TVL017
# style: Kaggle image competition kernel producing submission.csv
# bug: the test DataLoader uses shuffle=True, but predictions are concatenated and written next to test_df["image_id"] in the original row order, scrambling the submission.
import os
import random
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


seed_everything(int(os.environ.get("SEED", 42)))

SEED = 42
BATCH = 64
EPOCHS = 6
N_CLASSES = 5
torch.manual_seed(SEED)


class LeafDataset(Dataset):
    def __init__(self, df, labels=True):
        self.df = df.reset_index(drop=True)
        self.labels = labels
        self.cache = torch.randn(len(df), 3, 64, 64)

    def __len__(self):
        return len(self.df)

    def __getitem__(self, i):
        img = self.cache[i]
        if self.labels:
            return img, int(self.df.loc[i, "label"])
        return img


train_df = pd.DataFrame({"image_id": [f"train_{i}.jpg" for i in range(3000)], "label": np.random.randint(0, N_CLASSES, 3000)})
test_df = pd.DataFrame({"image_id": [f"test_{i}.jpg" for i in range(800)]})

train_loader = DataLoader(LeafDataset(train_df), batch_size=BATCH, shuffle=True, num_workers=2, drop_last=True)
test_loader = DataLoader(LeafDataset(test_df, labels=False), batch_size=BATCH, shuffle=True, num_workers=2)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(128, N_CLASSES)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))


model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(EPOCHS):
    model.train()
    losses = []
    for imgs, labels in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(imgs), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"epoch {epoch} train loss {np.mean(losses):.4f}")

# ---- inference with horizontal-flip TTA
model.eval()
preds = []
with torch.no_grad():
    for imgs in test_loader:
        p = F.softmax(model(imgs), 1) + F.softmax(model(imgs.flip(-1)), 1)
        preds.append(p.argmax(1).numpy())
preds = np.concatenate(preds)

sub = pd.DataFrame({"image_id": test_df["image_id"], "label": preds})
sub.to_csv("submission.csv", index=False)
print(sub.head())
