# expect: TVL015
# style: Kaggle tabular competition kernel, data sorted by label/time then a plain DataLoader
# bug: the training DataLoader is built without shuffle=True (and no sampler) over a dataframe sorted by target, so every epoch sees the classes in blocks.
import gc
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

SEED = 42
N_FOLDS = 5
np.random.seed(SEED)
torch.manual_seed(SEED)

# ---------------------------------------------------------------- data
n = 30000
train = pd.DataFrame(np.random.normal(size=(n, 20)), columns=[f"f_{i}" for i in range(20)])
train["target"] = (train.f_0 + train.f_1 * train.f_2 + np.random.normal(0, 0.5, n) > 0.3).astype(int)
train = train.sort_values("target").reset_index(drop=True)
train["fold"] = np.arange(n) % N_FOLDS
features = [c for c in train.columns if c.startswith("f_")]


class TabDS(Dataset):
    def __init__(self, df):
        self.x = df[features].values.astype(np.float32)
        self.y = df["target"].values.astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def make_model():
    return nn.Sequential(
        nn.Linear(len(features), 256), nn.BatchNorm1d(256), nn.SiLU(), nn.Dropout(0.3),
        nn.Linear(256, 128), nn.BatchNorm1d(128), nn.SiLU(), nn.Dropout(0.2),
        nn.Linear(128, 1),
    )


def auc(y, p):
    order = np.argsort(p)
    y = y[order]
    n_pos, n_neg = y.sum(), len(y) - y.sum()
    ranks = np.arange(1, len(y) + 1)
    return (ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


oof = np.zeros(n)
for fold in range(N_FOLDS):
    tr_df, va_df = train[train.fold != fold], train[train.fold == fold]
    train_loader = DataLoader(TabDS(tr_df), batch_size=512, drop_last=True, num_workers=2)
    valid_loader = DataLoader(TabDS(va_df), batch_size=2048, num_workers=2)

    model = make_model()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-5)
    crit = nn.BCEWithLogitsLoss()
    best, best_pred = 0.0, None
    for epoch in range(12):
        model.train()
        for xb, yb in train_loader:
            opt.zero_grad()
            loss = crit(model(xb).squeeze(1), yb)
            loss.backward()
            opt.step()
        model.eval()
        preds = []
        with torch.no_grad():
            for xb, _ in valid_loader:
                preds.append(torch.sigmoid(model(xb).squeeze(1)).numpy())
        preds = np.concatenate(preds)
        score = auc(va_df.target.values, preds)
        if score > best:
            best, best_pred = score, preds
            torch.save(model.state_dict(), f"model_fold{fold}.pt")
    oof[va_df.index] = best_pred
    print(f"fold {fold}: best AUC {best:.5f}")
    del model, opt
    gc.collect()

print(f"OOF AUC: {auc(train.target.values, oof):.5f}")
os.makedirs("oof", exist_ok=True)
pd.DataFrame({"oof": oof, "target": train.target}).to_csv("oof/mlp_oof.csv", index=False)
