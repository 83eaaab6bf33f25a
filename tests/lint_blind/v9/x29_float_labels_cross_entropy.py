# expect: TVL009
# style: Kaggle tabular multiclass (forest cover type) with a pandas Dataset and inline loop
# bug: the Dataset returns the class label as a float32 tensor (copied from the float feature path), which is then used as class indices in F.cross_entropy.
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

rng = np.random.default_rng(1)
N, F_NUM = 10000, 12
df = pd.DataFrame(rng.normal(size=(N, F_NUM)), columns=[f"f{i}" for i in range(F_NUM)])
df["soil"] = rng.integers(0, 40, N)
df["Cover_Type"] = rng.integers(1, 8, N)
df["target"] = df["Cover_Type"] - 1
FEATURES = [f"f{i}" for i in range(F_NUM)]


class CoverDS(Dataset):
    def __init__(self, frame):
        self.num = frame[FEATURES].values.astype(np.float32)
        self.cat = frame["soil"].values.astype(np.int64)
        self.y = frame["target"].values.astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.tensor(self.num[i]), torch.tensor(self.cat[i]), torch.tensor(self.y[i])


class CoverNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.soil_emb = nn.Embedding(40, 8)
        self.mlp = nn.Sequential(nn.Linear(F_NUM + 8, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 7))

    def forward(self, num, cat):
        return self.mlp(torch.cat([num, self.soil_emb(cat)], dim=1))


msk = rng.random(N) < 0.85
train_dl = DataLoader(CoverDS(df[msk]), batch_size=256, shuffle=True)
valid_dl = DataLoader(CoverDS(df[~msk]), batch_size=1024)

model = CoverNet()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", factor=0.5, patience=2)

for epoch in range(25):
    model.train()
    tot = 0.0
    for num, cat, y in train_dl:
        opt.zero_grad()
        logits = model(num, cat)
        loss = F.cross_entropy(logits, y)
        loss.backward()
        opt.step()
        tot += loss.item()
    model.eval()
    correct = 0
    with torch.no_grad():
        for num, cat, y in valid_dl:
            correct += (model(num, cat).argmax(1) == y.long()).sum().item()
    acc = correct / len(valid_dl.dataset)
    sched.step(acc)
    print(f"epoch {epoch:02d} loss {tot / len(train_dl):.4f} valid acc {acc:.4f}")

test_df = pd.DataFrame(rng.normal(size=(2000, F_NUM)), columns=FEATURES)
test_df["soil"] = rng.integers(0, 40, 2000)
test_df["Id"] = np.arange(2000)
model.eval()
with torch.no_grad():
    logits = model(torch.tensor(test_df[FEATURES].values, dtype=torch.float32), torch.tensor(test_df["soil"].values))
test_df["Cover_Type"] = logits.argmax(1).numpy() + 1
test_df[["Id", "Cover_Type"]].to_csv("submission.csv", index=False)
print(test_df["Cover_Type"].value_counts().sort_index())
