# expect: clean
# style: Kaggle submission notebook where the Dataset returns each row's id with its features
# note: the test DataLoader has shuffle=True and a submission file is written, which looks like TVL017, but the ids travel through the loader with each batch, so predictions are paired with the right ids (and the file is sorted by id at the end).
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(11)
rng = np.random.default_rng(11)
N_FEAT = 12

train_df = pd.DataFrame(rng.normal(size=(6000, N_FEAT)), columns=[f"x{i}" for i in range(N_FEAT)])
train_df["id"] = np.arange(6000)
train_df["y"] = (train_df.x0 - train_df.x5 + 0.3 * rng.normal(size=6000) > 0).astype(np.float32)
test_df = pd.DataFrame(rng.normal(size=(2000, N_FEAT)), columns=[f"x{i}" for i in range(N_FEAT)])
test_df["id"] = np.arange(6000, 8000)
FEATS = [f"x{i}" for i in range(N_FEAT)]


class RowDataset(Dataset):
    def __init__(self, df, target=None):
        self.ids = df["id"].values
        self.x = df[FEATS].values.astype(np.float32)
        self.y = df[target].values.astype(np.float32) if target else np.zeros(len(df), dtype=np.float32)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"id": int(self.ids[i]), "x": torch.from_numpy(self.x[i]), "y": torch.tensor(self.y[i])}


model = nn.Sequential(nn.Linear(N_FEAT, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 1))
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
loss_fn = nn.BCEWithLogitsLoss()

train_loader = DataLoader(RowDataset(train_df, "y"), batch_size=128, shuffle=True)
for epoch in range(8):
    model.train()
    losses = []
    for batch in train_loader:
        logit = model(batch["x"]).squeeze(-1)
        loss = loss_fn(logit, batch["y"])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print(f"epoch {epoch} loss {np.mean(losses):.4f}")

# TTA-style inference: two passes over a shuffled loader, averaged per id
test_loader = DataLoader(RowDataset(test_df), batch_size=256, shuffle=True)
model.eval()
scores = {}
with torch.no_grad():
    for tta in range(2):
        for batch in test_loader:
            p = torch.sigmoid(model(batch["x"] + 0.01 * tta * torch.randn_like(batch["x"]))).squeeze(-1)
            for i, v in zip(batch["id"].tolist(), p.tolist()):
                scores.setdefault(i, []).append(v)

sub = pd.DataFrame({"id": list(scores.keys()), "y": [float(np.mean(v)) for v in scores.values()]})
sub = sub.sort_values("id").reset_index(drop=True)
assert len(sub) == len(test_df) and (sub["id"].values == np.sort(test_df["id"].values)).all()
sub.to_csv("submission.csv", index=False)
print(sub.head())
