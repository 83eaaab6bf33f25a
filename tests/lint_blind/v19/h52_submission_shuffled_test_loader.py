# expect: TVL017
# style: Kaggle kernel, plant-disease image classification with a submission.csv at the end
# bug: the test DataLoader uses shuffle=True, and the predictions are written next to test_df["image_id"] in the dataframe's original order, so ids and labels are mismatched
import os
import random
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader

SEED = 777
random.seed(SEED)
np.random.seed(SEED)
torch.manual_seed(SEED)
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")
N_CLASSES = 4
IMG = 128

# ---- data (synthetic stand-in for train.csv / test.csv + image folders)
train_df = pd.DataFrame({"image_id": [f"Train_{i}" for i in range(3000)],
                         "label": np.random.randint(0, N_CLASSES, 3000)})
test_df = pd.DataFrame({"image_id": [f"Test_{i}" for i in range(800)]})


def read_image(image_id):
    g = torch.Generator().manual_seed(abs(hash(image_id)) % (2**31))
    return torch.rand(3, IMG, IMG, generator=g)


class LeafDataset(Dataset):
    def __init__(self, df, train=True):
        self.df = df.reset_index(drop=True)
        self.train = train

    def __len__(self):
        return len(self.df)

    def __getitem__(self, idx):
        img = read_image(self.df.loc[idx, "image_id"])
        if self.train:
            if random.random() < 0.5:
                img = img.flip(-1)
            if random.random() < 0.5:
                img = img.flip(-2)
            return img, int(self.df.loc[idx, "label"])
        return img


class LeafNet(nn.Module):
    def __init__(self):
        super().__init__()
        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2))
        self.features = nn.Sequential(block(3, 32), block(32, 64), block(64, 128), block(128, 256))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(256, N_CLASSES))

    def forward(self, x):
        return self.head(self.features(x))


# ---- train / valid split
msk = np.random.rand(len(train_df)) < 0.85
trn, val = train_df[msk], train_df[~msk]
train_loader = DataLoader(LeafDataset(trn), batch_size=32, shuffle=True, num_workers=4)
valid_loader = DataLoader(LeafDataset(val), batch_size=64, shuffle=False, num_workers=4)

model = LeafNet().to(DEVICE)
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10, eta_min=1e-6)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

best_acc = 0.0
for epoch in range(10):
    model.train()
    tr_loss = 0.0
    for imgs, labels in train_loader:
        imgs, labels = imgs.to(DEVICE), labels.to(DEVICE)
        optimizer.zero_grad()
        loss = criterion(model(imgs), labels)
        loss.backward()
        optimizer.step()
        tr_loss += loss.item()
    scheduler.step()

    model.eval()
    correct = total = 0
    with torch.no_grad():
        for imgs, labels in valid_loader:
            pred = model(imgs.to(DEVICE)).argmax(1).cpu()
            correct += (pred == labels).sum().item()
            total += labels.size(0)
    acc = correct / total
    print(f"epoch {epoch} train_loss {tr_loss / len(train_loader):.4f} valid_acc {acc:.4f}")
    if acc > best_acc:
        best_acc = acc
        torch.save(model.state_dict(), "leafnet_best.pth")

# ---- inference with simple flip TTA
model.load_state_dict(torch.load("leafnet_best.pth", map_location=DEVICE, weights_only=True))
model.eval()
test_loader = DataLoader(LeafDataset(test_df, train=False), batch_size=64, shuffle=True, num_workers=4)
preds = []
with torch.no_grad():
    for imgs in test_loader:
        imgs = imgs.to(DEVICE)
        p = F.softmax(model(imgs), 1) + F.softmax(model(imgs.flip(-1)), 1)
        preds.append(p.argmax(1).cpu().numpy())
preds = np.concatenate(preds)

submission = pd.DataFrame({"image_id": test_df["image_id"], "label": preds})
submission.to_csv("submission.csv", index=False)
print(submission.head())
print(submission.label.value_counts())
