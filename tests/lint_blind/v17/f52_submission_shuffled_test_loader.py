# expect: TVL017
# style: Kaggle image competition kernel, train + predict + submission.csv in one script
# bug: the test DataLoader uses shuffle=True, but the predictions are written next to test_df["id"] in the dataframe's original order, so the submission rows are mismatched.
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CFG = dict(seed=42, img=64, bs=64, epochs=8, lr=1e-3, n_cls=5)
torch.manual_seed(CFG["seed"])
np.random.seed(CFG["seed"])
device = "cuda" if torch.cuda.is_available() else "cpu"

# ---- fake competition files
train_df = pd.DataFrame({"id": [f"tr_{i:05d}" for i in range(3000)], "label": np.random.randint(0, 5, 3000)})
test_df = pd.DataFrame({"id": [f"te_{i:05d}" for i in range(1000)]})


class CassavaLike(Dataset):
    def __init__(self, df, train=True):
        self.df = df.reset_index(drop=True)
        self.train = train

    def __len__(self):
        return len(self.df)

    def __getitem__(self, i):
        rs = np.random.RandomState(abs(hash(self.df.id[i])) % (2 ** 31))
        img = torch.from_numpy(rs.normal(size=(3, CFG["img"], CFG["img"])).astype(np.float32))
        if self.train:
            lab = int(self.df.label[i])
            img[lab % 3] += 0.5 * (lab + 1)
            if np.random.rand() < 0.5:
                img = img.flip(-1)
            return img, lab
        return img


class Net(nn.Module):
    def __init__(self, n_cls):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(128, n_cls)

    def forward(self, x):
        return self.fc(self.f(x).flatten(1))


train_loader = DataLoader(CassavaLike(train_df), batch_size=CFG["bs"], shuffle=True, num_workers=2, drop_last=True)
test_loader = DataLoader(CassavaLike(test_df, train=False), batch_size=CFG["bs"] * 2, shuffle=True, num_workers=2)

model = Net(CFG["n_cls"]).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=CFG["lr"])
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=CFG["epochs"])

for epoch in range(CFG["epochs"]):
    model.train()
    losses = []
    for imgs, labels in train_loader:
        imgs, labels = imgs.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(imgs), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    scheduler.step()
    print(f"epoch {epoch}  loss {np.mean(losses):.4f}  lr {scheduler.get_last_lr()[0]:.2e}")

# ---- inference with 2x TTA
model.eval()
preds = []
with torch.no_grad():
    for imgs in test_loader:
        imgs = imgs.to(device)
        logits = model(imgs).softmax(1) + model(imgs.flip(-1)).softmax(1)
        preds.append(logits.argmax(1).cpu().numpy())
preds = np.concatenate(preds)

sub = test_df.copy()
sub["label"] = preds
os.makedirs("submission", exist_ok=True)
sub.to_csv("submission/submission.csv", index=False)
print(sub.head())
print(sub.label.value_counts())
