# expect: clean
# style: Kaggle kernel for digit recognition with a submission file; train/valid/test loaders side by side
# note: predictions are written next to the test ids in dataframe order (TVL017 look-alike), but the test DataLoader has shuffle=False (only the training loader shuffles)
import os
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader

torch.manual_seed(2)
np.random.seed(2)
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# synthetic stand-ins for train.csv (label + 784 pixels) and test.csv (784 pixels)
train_df = pd.DataFrame(np.random.randint(0, 256, (8000, 784)), columns=[f"pixel{i}" for i in range(784)])
train_df.insert(0, "label", np.random.randint(0, 10, 8000))
test_df = pd.DataFrame(np.random.randint(0, 256, (2000, 784)), columns=[f"pixel{i}" for i in range(784)])
test_df.insert(0, "ImageId", np.arange(1, 2001))


class DigitDS(Dataset):
    def __init__(self, df, has_label=True):
        pix = df[[c for c in df.columns if c.startswith("pixel")]].values.astype(np.float32) / 255.0
        self.x = torch.from_numpy(pix).view(-1, 1, 28, 28)
        self.y = torch.from_numpy(df["label"].values) if has_label else None

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        if self.y is None:
            return self.x[i]
        return self.x[i], self.y[i]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn1, self.bn2 = nn.BatchNorm2d(32), nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.c1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.c2(x))), 2)
        return self.fc2(self.drop(F.relu(self.fc1(x.flatten(1)))))


print("train label distribution:")
print(train_df["label"].value_counts(normalize=True).sort_index().round(3))
print("test rows:", len(test_df), "ids unique:", test_df["ImageId"].is_unique)


def count_params(m):
    return sum(p.numel() for p in m.parameters() if p.requires_grad)


idx = np.random.permutation(len(train_df))
tr_df, va_df = train_df.iloc[idx[:7000]], train_df.iloc[idx[7000:]]
train_loader = DataLoader(DigitDS(tr_df), batch_size=64, shuffle=True)
valid_loader = DataLoader(DigitDS(va_df), batch_size=256, shuffle=False)
test_loader = DataLoader(DigitDS(test_df, has_label=False), batch_size=256, shuffle=False)

model = Net().to(DEVICE)
print(f"model has {count_params(model):,} trainable parameters")
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.5)

for epoch in range(12):
    model.train()
    total_loss = 0.0
    for xb, yb in train_loader:
        xb, yb = xb.to(DEVICE), yb.to(DEVICE)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        total_loss += loss.item()
    scheduler.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in valid_loader:
            correct += (model(xb.to(DEVICE)).argmax(1).cpu() == yb).sum().item()
    print(f"epoch {epoch + 1}: loss {total_loss / len(train_loader):.4f} valid acc {correct / len(va_df):.4f}")

model.eval()
all_preds = []
with torch.no_grad():
    for xb in test_loader:
        all_preds.append(model(xb.to(DEVICE)).argmax(1).cpu().numpy())
all_preds = np.concatenate(all_preds)
assert len(all_preds) == len(test_df), "prediction count does not match test rows"

submission = pd.DataFrame({"ImageId": test_df["ImageId"].values, "Label": all_preds})
os.makedirs("output", exist_ok=True)
submission.to_csv("output/submission.csv", index=False)
print(submission.head(10))
print(submission["Label"].value_counts().sort_index())
