# expect: clean
# style: competition inference script; the test dataset returns the row id with each sample and the loader is shuffled
# note: the test loader has shuffle=True and predictions go into a submission, but each batch carries its own ids, and the submission is built from those ids (then sorted), not from the dataframe order
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class TabDataset(Dataset):
    def __init__(self, df, feats, target=None):
        self.ids = df["row_id"].to_numpy()
        self.x = torch.tensor(df[feats].to_numpy(), dtype=torch.float32)
        self.y = None if target is None else torch.tensor(df[target].to_numpy(), dtype=torch.float32)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        if self.y is None:
            return self.ids[i], self.x[i]
        return self.ids[i], self.x[i], self.y[i]


FEATS = [f"f_{i}" for i in range(15)]
rng = np.random.default_rng(0)
train_df = pd.DataFrame(rng.normal(size=(8000, 15)), columns=FEATS)
train_df["row_id"] = np.arange(8000)
train_df["target"] = (train_df.f_0 + train_df.f_1 * train_df.f_2 > 0).astype(float)
test_df = pd.DataFrame(rng.normal(size=(2000, 15)), columns=FEATS)
test_df["row_id"] = np.arange(8000, 10000)

model = nn.Sequential(nn.Linear(15, 128), nn.SiLU(), nn.Linear(128, 64), nn.SiLU(), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
train_loader = DataLoader(TabDataset(train_df, FEATS, "target"), batch_size=256, shuffle=True)

for epoch in range(8):
    model.train()
    tot = 0.0
    for _, xb, yb in train_loader:
        loss = F.binary_cross_entropy_with_logits(model(xb).squeeze(-1), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tot += loss.item()
    print(f"epoch {epoch} bce {tot/len(train_loader):.4f}")

test_loader = DataLoader(TabDataset(test_df, FEATS), batch_size=512, shuffle=True)
model.eval()
rows, preds = [], []
with torch.no_grad():
    for ids, xb in test_loader:
        rows.append(np.asarray(ids))
        preds.append(torch.sigmoid(model(xb).squeeze(-1)).numpy())

sub = pd.DataFrame({"row_id": np.concatenate(rows), "target": np.concatenate(preds)})
sub = sub.sort_values("row_id").reset_index(drop=True)
assert len(sub) == len(test_df)
sub.to_csv("submission.csv", index=False)
print(sub.head())
