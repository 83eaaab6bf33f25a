# expect: TVL015
# style: Kaggle tabular notebook export, fraud detection MLP; data frame sorted by time and label
# bug: the training DataLoader is created without shuffle=True (and without a sampler) over a frame sorted by label/time, so every epoch sees the batches in the same, label-ordered sequence
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.metrics import average_precision_score, roc_auc_score
from torch.utils.data import DataLoader, Dataset

SEED = 2024
np.random.seed(SEED)
torch.manual_seed(SEED)

# %% load (synthetic stand-in for transactions.csv)
n = 60000
df = pd.DataFrame(np.random.normal(size=(n, 20)), columns=[f"V{i}" for i in range(1, 21)])
df["Amount"] = np.random.lognormal(3, 1, n)
df["Time"] = np.sort(np.random.uniform(0, 172800, n))
risk = 1.5 * df.V3 - 1.2 * df.V7 + 0.8 * df.V12 + 0.002 * df.Amount
df["Class"] = (np.random.rand(n) < 1 / (1 + np.exp(-(risk - 6)))).astype(int)
print(df.Class.value_counts())

# %% split by time
df = df.sort_values(["Class", "Time"]).reset_index(drop=True)
cut = df.Time.quantile(0.8)
train_df = df[df.Time <= cut].reset_index(drop=True)
valid_df = df[df.Time > cut].reset_index(drop=True)
feature_cols = [c for c in df.columns if c not in ("Class", "Time")]
mu = train_df[feature_cols].mean()
sd = train_df[feature_cols].std()


class TxnDataset(Dataset):
    def __init__(self, frame):
        self.x = torch.tensor(((frame[feature_cols] - mu) / sd).values, dtype=torch.float32)
        self.y = torch.tensor(frame["Class"].values, dtype=torch.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


train_loader = DataLoader(TxnDataset(train_df), batch_size=256, num_workers=2, drop_last=True)
valid_loader = DataLoader(TxnDataset(valid_df), batch_size=2048, num_workers=2)

# %% model
model = nn.Sequential(
    nn.Linear(len(feature_cols), 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(64, 1),
)
pos_weight = torch.tensor([(train_df.Class == 0).sum() / max((train_df.Class == 1).sum(), 1)])
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)

# %% train
best_ap = 0.0
for epoch in range(15):
    model.train()
    losses = []
    for xb, yb in train_loader:
        logits = model(xb).squeeze(1)
        loss = criterion(logits, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    model.eval()
    preds = []
    with torch.no_grad():
        for xb, _ in valid_loader:
            preds.append(torch.sigmoid(model(xb).squeeze(1)))
    preds = torch.cat(preds).numpy()
    auc = roc_auc_score(valid_df.Class, preds)
    ap = average_precision_score(valid_df.Class, preds)
    print(f"epoch {epoch:2d} | loss {np.mean(losses):.4f} | val AUC {auc:.4f} | val AP {ap:.4f}")
    if ap > best_ap:
        best_ap = ap
        torch.save(model.state_dict(), "fraud_mlp_best.pt")

print("best AP", best_ap)
