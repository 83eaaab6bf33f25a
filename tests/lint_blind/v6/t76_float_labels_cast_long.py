# expect: clean
# style: Kaggle kernel, tabular multi-class (obesity level) from a pandas frame whose label column is float
# note: the label column comes out of pandas as float64, but it is cast with .astype(np.int64) / torch.long before F.cross_entropy; the float matrix is only used for features.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

rng = np.random.default_rng(21)
df = pd.DataFrame(rng.normal(size=(9000, 16)), columns=[f"num_{i}" for i in range(16)])
df["NObeyesdad"] = rng.integers(0, 7, 9000).astype(float)  # read_csv + label-encoding left it as float
df.loc[rng.choice(9000, 50, replace=False), "num_3"] = np.nan


class TableDS(Dataset):
    def __init__(self, frame, feature_cols, target_col):
        feats = frame[feature_cols].fillna(frame[feature_cols].median()).to_numpy(np.float32)
        self.x = torch.from_numpy((feats - feats.mean(0)) / (feats.std(0) + 1e-6))
        self.y = torch.from_numpy(frame[target_col].to_numpy().astype(np.int64))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


features = [c for c in df.columns if c.startswith("num_")]
train_df = df.sample(frac=0.85, random_state=0)
valid_df = df.drop(train_df.index)
train_loader = DataLoader(TableDS(train_df, features, "NObeyesdad"), batch_size=128, shuffle=True)
valid_loader = DataLoader(TableDS(valid_df, features, "NObeyesdad"), batch_size=512, shuffle=False)

model = nn.Sequential(nn.Linear(len(features), 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.25),
                      nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 7))
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)

for epoch in range(20):
    model.train()
    tl = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb.long(), label_smoothing=0.05)
        loss.backward()
        optimizer.step()
        tl += loss.item() * len(yb)
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in valid_loader:
            correct += (model(xb).argmax(1) == yb).sum().item()
    print(f"epoch {epoch:2d} train_loss {tl / len(train_df):.4f} valid_acc {correct / len(valid_df):.4f}")

print(df["NObeyesdad"].dtype, "->", train_loader.dataset.y.dtype)

# per-class accuracy on the validation split
model.eval()
with torch.no_grad():
    preds = torch.cat([model(xb).argmax(1) for xb, _ in valid_loader])
gold = valid_loader.dataset.y
for c in range(7):
    sel = gold == c
    print(f"class {c}: n={int(sel.sum())} acc={(preds[sel] == c).float().mean().item():.3f}")
