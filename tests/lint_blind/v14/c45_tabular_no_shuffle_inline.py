# expect: TVL015
# style: Kaggle tabular kernel, fraud detection MLP with time-ordered data
# bug: the training DataLoader has neither shuffle=True nor a sampler, and the rows are sorted by transaction time, so every epoch sees the same time-ordered batches
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.metrics import average_precision_score
from torch.utils.data import DataLoader, TensorDataset

SEED = 17
rng = np.random.default_rng(SEED)
torch.manual_seed(SEED)

n = 120_000
df = pd.DataFrame(rng.normal(size=(n, 28)), columns=[f"V{i}" for i in range(1, 29)])
df["Time"] = np.sort(rng.uniform(0, 172800, n))
df["Amount"] = rng.lognormal(3, 1.2, n)
risk = 0.8 * df["V14"] - 0.6 * df["V12"] + 0.002 * df["Amount"] - 6
df["Class"] = (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(np.float32)
print("fraud rate", df["Class"].mean())

df = df.sort_values("Time").reset_index(drop=True)
cut = int(0.8 * n)
train_df, valid_df = df.iloc[:cut], df.iloc[cut:]

feat_cols = [c for c in df.columns if c.startswith("V")] + ["Amount"]
mu, sd = train_df[feat_cols].mean(), train_df[feat_cols].std()
X_tr = torch.tensor(((train_df[feat_cols] - mu) / sd).values, dtype=torch.float32)
y_tr = torch.tensor(train_df["Class"].values)
X_va = torch.tensor(((valid_df[feat_cols] - mu) / sd).values, dtype=torch.float32)
y_va = valid_df["Class"].values

train_loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=1024, drop_last=True)

model = nn.Sequential(
    nn.Linear(len(feat_cols), 128), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(64, 1))
pos_weight = torch.tensor([(1 - y_tr.mean()) / y_tr.mean()])
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)

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
    with torch.no_grad():
        scores = torch.sigmoid(model(X_va).squeeze(1)).numpy()
    ap = average_precision_score(y_va, scores)
    print(f"epoch {epoch:2d} loss {np.mean(losses):.4f} valid AUPRC {ap:.4f}")
    if ap > best_ap:
        best_ap = ap
        torch.save(model.state_dict(), "fraud_mlp.pt")

print("best AUPRC", best_ap)
