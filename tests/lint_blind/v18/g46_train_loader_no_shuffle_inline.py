# expect: TVL015
# style: Kaggle notebook, credit-card fraud tabular MLP; the data frame is sorted by time/label
# bug: the training DataLoader is created without shuffle=True (and without a sampler), so every epoch sees the time-sorted rows in the same order.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.metrics import average_precision_score
from torch.utils.data import DataLoader, TensorDataset

np.random.seed(0)
torch.manual_seed(0)

# ---- synthetic stand-in for creditcard.csv (sorted by Time like the original)
n = 40000
df = pd.DataFrame(np.random.normal(size=(n, 28)), columns=[f"V{i}" for i in range(1, 29)])
df["Amount"] = np.random.lognormal(3, 1.2, n)
df["Time"] = np.sort(np.random.uniform(0, 172800, n))
df["Class"] = ((df.V3 < -2.2) & (df.V14 < -0.5)).astype(int)
print(df.Class.value_counts())

train_df = df[df.Time < 140000]
valid_df = df[df.Time >= 140000]
feat_cols = [c for c in df.columns if c not in ("Class", "Time")]
mu, sd = train_df[feat_cols].mean(), train_df[feat_cols].std()


def to_tensors(frame):
    X = torch.tensor(((frame[feat_cols] - mu) / sd).values, dtype=torch.float32)
    y = torch.tensor(frame["Class"].values, dtype=torch.float32)
    return X, y


X_tr, y_tr = to_tensors(train_df)
X_va, y_va = to_tensors(valid_df)

train_loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=512)
valid_loader = DataLoader(TensorDataset(X_va, y_va), batch_size=2048)

model = nn.Sequential(
    nn.Linear(len(feat_cols), 64), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(64, 32), nn.ReLU(),
    nn.Linear(32, 1),
)
pos_weight = torch.tensor([(len(y_tr) - y_tr.sum()) / y_tr.sum().clamp(min=1)])
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight.clamp(max=50))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

best_ap = 0.0
for epoch in range(15):
    model.train()
    tr_loss = 0.0
    for xb, yb in train_loader:
        logits = model(xb).squeeze(1)
        loss = criterion(logits, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        tr_loss += loss.item() * len(xb)

    model.eval()
    scores = []
    with torch.no_grad():
        for xb, _ in valid_loader:
            scores.append(torch.sigmoid(model(xb).squeeze(1)))
    ap = average_precision_score(y_va.numpy(), torch.cat(scores).numpy())
    if ap > best_ap:
        best_ap = ap
        torch.save(model.state_dict(), "fraud_mlp.pt")
    print(f"epoch {epoch:2d}  train_loss {tr_loss / len(X_tr):.4f}  valid AP {ap:.4f}")

print("best AP", best_ap)
