# expect: TVL009
# style: Kaggle kernel, tabular multi-class (forest cover type) with pandas
# bug: labels are converted with dtype=torch.float32 and then passed as class indices to F.cross_entropy, which needs int64 class indices (float targets are treated as probabilities and need shape (B, C)).
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from torch.utils.data import DataLoader, TensorDataset

N_CLASSES = 7
rng = np.random.default_rng(0)
train = pd.DataFrame(rng.normal(size=(8000, 20)), columns=[f"c{i}" for i in range(20)])
train["Cover_Type"] = rng.integers(1, N_CLASSES + 1, len(train))
FEATS = [c for c in train.columns if c != "Cover_Type"]


class Net(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.m = nn.Sequential(nn.Linear(d, 256), nn.BatchNorm1d(256), nn.SiLU(), nn.Dropout(0.25),
                               nn.Linear(256, 128), nn.BatchNorm1d(128), nn.SiLU(), nn.Linear(128, N_CLASSES))

    def forward(self, x):
        return self.m(x)


def to_tensors(df, scaler):
    x = torch.tensor(scaler.transform(df[FEATS]), dtype=torch.float32)
    y = torch.tensor(df["Cover_Type"].values - 1, dtype=torch.float32)
    return x, y


oof_acc = []
skf = StratifiedKFold(n_splits=3, shuffle=True, random_state=42)
for fold, (tr_i, va_i) in enumerate(skf.split(train, train["Cover_Type"])):
    tr_df, va_df = train.iloc[tr_i], train.iloc[va_i]
    scaler = StandardScaler().fit(tr_df[FEATS])
    xtr, ytr = to_tensors(tr_df, scaler)
    xva, yva = to_tensors(va_df, scaler)
    tr_dl = DataLoader(TensorDataset(xtr, ytr), batch_size=256, shuffle=True)
    va_dl = DataLoader(TensorDataset(xva, yva), batch_size=1024)

    model = Net(len(FEATS))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for epoch in range(10):
        model.train()
        for xb, yb in tr_dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in va_dl:
            correct += (model(xb).argmax(1) == yb.long()).sum().item()
    acc = correct / len(va_df)
    oof_acc.append(acc)
    print(f"fold {fold}: acc {acc:.4f}")

print("CV accuracy:", np.mean(oof_acc))

# ---- summary ----
summary = pd.DataFrame({"fold": range(len(oof_acc)), "acc": oof_acc})
summary.loc[len(summary)] = ["mean", np.mean(oof_acc)]
summary.to_csv("cv_summary.csv", index=False)
print(summary)
print("class balance:", train["Cover_Type"].value_counts(normalize=True).sort_index().round(3).to_dict())
