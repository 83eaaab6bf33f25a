# expect: TVL017
# style: Kaggle image-classification kernel writing submission.csv
# bug: the test DataLoader uses shuffle=True, yet predictions are written next to test_df["id"] in the CSV's original row order
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

SEED = 42
torch.manual_seed(SEED)
np.random.seed(SEED)

N_TRAIN, N_TEST, N_CLASSES = 6000, 2000, 5
train_df = pd.DataFrame({"id": [f"tr_{i:05d}" for i in range(N_TRAIN)], "label": np.random.randint(0, N_CLASSES, N_TRAIN)})
test_df = pd.DataFrame({"id": [f"te_{i:05d}" for i in range(N_TEST)]})
pixels_train = np.random.rand(N_TRAIN, 3, 48, 48).astype(np.float32)
pixels_test = np.random.rand(N_TEST, 3, 48, 48).astype(np.float32)


class LeafDataset(Dataset):
    def __init__(self, df, pixels, train=True):
        self.df = df.reset_index(drop=True)
        self.pixels = pixels
        self.train = train

    def __len__(self):
        return len(self.df)

    def __getitem__(self, idx):
        img = torch.from_numpy(self.pixels[idx])
        if self.train:
            if np.random.rand() < 0.5:
                img = img.flip(-1)
            return img, int(self.df.loc[idx, "label"])
        return img


model = nn.Sequential(
    nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, N_CLASSES))

train_loader = DataLoader(LeafDataset(train_df, pixels_train), batch_size=64, shuffle=True, num_workers=2)
test_loader = DataLoader(LeafDataset(test_df, pixels_test, train=False), batch_size=128, shuffle=True, num_workers=2)

optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)

for epoch in range(10):
    model.train()
    total, correct, loss_sum = 0, 0, 0.0
    for imgs, labels in train_loader:
        out = model(imgs)
        loss = F.cross_entropy(out, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * len(labels)
        correct += (out.argmax(1) == labels).sum().item()
        total += len(labels)
    scheduler.step()
    print(f"Epoch {epoch + 1}: loss={loss_sum / total:.4f} acc={correct / total:.4f}")

# ---- inference with horizontal-flip TTA
model.eval()
preds = []
with torch.no_grad():
    for imgs in test_loader:
        probs = F.softmax(model(imgs), 1) + F.softmax(model(imgs.flip(-1)), 1)
        preds.append(probs.argmax(1).numpy())
preds = np.concatenate(preds)

submission = pd.DataFrame({"id": test_df["id"], "label": preds})
submission.to_csv("submission.csv", index=False)
print(submission.head())
print(submission["label"].value_counts(normalize=True))
