# expect: TVL017
# style: Kaggle notebook (binary classification, OOF predictions scored with roc_auc_score against the fold dataframe)
# bug: the validation DataLoader has shuffle=True, but predictions are compared with valid_df["target"] in file order
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, Dataset

CFG = {"epochs": 5, "bs": 128, "lr": 1e-3, "n_feats": 30}


class TabDS(Dataset):
    def __init__(self, df):
        self.x = torch.tensor(df.drop(columns=["target"]).values, dtype=torch.float32)
        self.y = torch.tensor(df["target"].values, dtype=torch.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class Net(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(n, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 1))

    def forward(self, x):
        return self.mlp(x).squeeze(-1)


def valid_fn(model, loader):
    model.eval()
    preds = []
    with torch.no_grad():
        for x, _ in loader:
            preds.append(torch.sigmoid(model(x)).numpy())
    return np.concatenate(preds)


df = pd.DataFrame(np.random.randn(6000, CFG["n_feats"]), columns=[f"f{i}" for i in range(CFG["n_feats"])])
df["target"] = (df["f0"] + 0.5 * np.random.randn(6000) > 0).astype(np.float32)
train_df, valid_df = df.iloc[:5000].reset_index(drop=True), df.iloc[5000:].reset_index(drop=True)
train_loader = DataLoader(TabDS(train_df), batch_size=CFG["bs"], shuffle=True, drop_last=True)
valid_loader = DataLoader(TabDS(valid_df), batch_size=CFG["bs"] * 2, shuffle=True)

model = Net(CFG["n_feats"])
optimizer = torch.optim.Adam(model.parameters(), lr=CFG["lr"])
criterion = nn.BCEWithLogitsLoss()
for epoch in range(CFG["epochs"]):
    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
    oof = valid_fn(model, valid_loader)
    auc = roc_auc_score(valid_df["target"].values, oof)
    print(f"Epoch {epoch}: valid AUC {auc:.5f}")
valid_df["pred"] = oof
valid_df.to_csv("oof_fold0.csv", index=False)
