# expect: TVL017
# style: Kaggle tabular-competition kernel, writes submission.csv from test predictions
# bug: the test DataLoader uses shuffle=True, and the predictions are written next to test_df["id"] in the original order
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

SEED = 42
torch.manual_seed(SEED)
rng = np.random.default_rng(SEED)
N_FEATS = 20
device = "cuda" if torch.cuda.is_available() else "cpu"

train_df = pd.DataFrame(rng.normal(size=(30000, N_FEATS)), columns=[f"f_{i}" for i in range(N_FEATS)])
train_df["target"] = (train_df.f_0 * 1.5 - train_df.f_3 + rng.normal(0, 0.5, 30000) > 0).astype(int)
test_df = pd.DataFrame(rng.normal(size=(10000, N_FEATS)), columns=[f"f_{i}" for i in range(N_FEATS)])
test_df.insert(0, "id", np.arange(900000, 910000))
FEATS = [c for c in train_df.columns if c.startswith("f_")]

mu, sd = train_df[FEATS].mean(), train_df[FEATS].std()


class TabDS(Dataset):
    def __init__(self, df, with_target=True):
        self.x = ((df[FEATS] - mu) / sd).values.astype(np.float32)
        self.y = df["target"].values.astype(np.float32) if with_target else None

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        if self.y is None:
            return torch.from_numpy(self.x[i])
        return torch.from_numpy(self.x[i]), torch.tensor(self.y[i])


model = nn.Sequential(nn.Linear(N_FEATS, 256), nn.SiLU(), nn.Dropout(0.2),
                      nn.Linear(256, 128), nn.SiLU(), nn.Dropout(0.2), nn.Linear(128, 1)).to(device)

val_mask = np.arange(len(train_df)) % 5 == 0
tr_dl = DataLoader(TabDS(train_df[~val_mask]), batch_size=512, shuffle=True)
va_dl = DataLoader(TabDS(train_df[val_mask]), batch_size=2048)
test_dl = DataLoader(TabDS(test_df, with_target=False), batch_size=2048, shuffle=True)

opt = torch.optim.Adam(model.parameters(), lr=2e-3)
crit = nn.BCEWithLogitsLoss()
for epoch in range(15):
    model.train()
    for xb, yb in tr_dl:
        xb, yb = xb.to(device), yb.to(device)
        loss = crit(model(xb).squeeze(1), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(xb.to(device)).squeeze(1).cpu() for xb, _ in va_dl])
    yv = torch.tensor(train_df.loc[val_mask, "target"].values)
    acc = ((logits > 0).long() == yv).float().mean().item()
    print(f"epoch {epoch:02d} val acc {acc:.4f}")

# ---- inference ----
model.eval()
test_preds = []
with torch.no_grad():
    for xb in test_dl:
        test_preds.append(torch.sigmoid(model(xb.to(device))).squeeze(1).cpu().numpy())
test_preds = np.concatenate(test_preds)

submission = pd.DataFrame({"id": test_df["id"], "target": test_preds})
submission.to_csv("submission.csv", index=False)
print(submission.head())
