# expect: clean
# style: Kaggle image competition kernel with TTA, writes submission.csv
# note: the inference loader is built with shuffle=False (and the train loader with shuffle=True), so predictions line up with test_df["image_id"]; hflip TTA averages per batch
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class CFG:
    seed = 7
    n_classes = 4
    img = 96
    bs = 64
    epochs = 4
    lr = 1e-3
    device = "cuda" if torch.cuda.is_available() else "cpu"


rng = np.random.default_rng(CFG.seed)
train_df = pd.DataFrame({"image_id": [f"tr_{i:05d}" for i in range(4000)],
                         "label": rng.integers(0, CFG.n_classes, 4000)})
test_df = pd.DataFrame({"image_id": [f"te_{i:05d}" for i in range(1500)]})


class ImgDS(Dataset):
    def __init__(self, df, train=True):
        self.df = df.reset_index(drop=True)
        self.train = train

    def __len__(self):
        return len(self.df)

    def __getitem__(self, i):
        seed = int(self.df.image_id[i].split("_")[1])
        img = np.random.default_rng(seed).random((3, CFG.img, CFG.img), dtype=np.float32)
        if self.train:
            return torch.from_numpy(img), int(self.df.label[i])
        return torch.from_numpy(img)


def get_loader(df, train):
    return DataLoader(ImgDS(df, train), batch_size=CFG.bs, shuffle=train, num_workers=2, drop_last=train)


model = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
                      nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                      nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                      nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, CFG.n_classes)).to(CFG.device)
opt = torch.optim.AdamW(model.parameters(), lr=CFG.lr)
crit = nn.CrossEntropyLoss()

train_loader = get_loader(train_df, train=True)
for epoch in range(CFG.epochs):
    model.train()
    losses = []
    for x, y in train_loader:
        x, y = x.to(CFG.device), y.to(CFG.device)
        opt.zero_grad()
        loss = crit(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print(f"epoch {epoch} loss {np.mean(losses):.4f}")

test_loader = get_loader(test_df, train=False)
model.eval()
probs = []
with torch.no_grad():
    for x in test_loader:
        x = x.to(CFG.device)
        p = model(x).softmax(1) + model(torch.flip(x, dims=[3])).softmax(1)
        probs.append((p / 2).cpu().numpy())
probs = np.concatenate(probs)
assert len(probs) == len(test_df)

sub = test_df.copy()
sub["label"] = probs.argmax(1)
os.makedirs("output", exist_ok=True)
sub.to_csv("output/submission.csv", index=False)
print(sub.label.value_counts())
