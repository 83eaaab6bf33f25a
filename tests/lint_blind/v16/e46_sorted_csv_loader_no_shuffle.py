# expect: TVL015
# style: Kaggle tabular kernel, rows sorted by date and label-grouped, DataLoader built inline
# bug: the training DataLoader has no shuffle=True or sampler, and the dataframe is sorted by date, so every epoch walks the data in the same temporally ordered sequence
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class CFG:
    seed = 42
    batch_size = 512
    epochs = 15
    lr = 3e-3
    features = [f"f_{i}" for i in range(20)]
    target = "target"


np.random.seed(CFG.seed)
torch.manual_seed(CFG.seed)

n = 60000
train = pd.DataFrame(np.random.randn(n, 20), columns=CFG.features)
train["date"] = pd.date_range("2021-01-01", periods=n, freq="15min")
train["target"] = (train["f_0"] * 0.7 + train["f_1"] * train["f_2"] + np.random.randn(n) * 0.5 > 0).astype(int)
train = train.sort_values("date").reset_index(drop=True)
valid_mask = train["date"] >= train["date"].quantile(0.85)
trn, val = train[~valid_mask], train[valid_mask]
print(trn.shape, val.shape, trn[CFG.target].mean())


class TabDS(Dataset):
    def __init__(self, df):
        self.x = df[CFG.features].values.astype(np.float32)
        self.y = df[CFG.target].values.astype(np.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class ResMLP(nn.Module):
    def __init__(self, d, h=256):
        super().__init__()
        self.inp = nn.Linear(d, h)
        self.blocks = nn.ModuleList([nn.Sequential(nn.LayerNorm(h), nn.Linear(h, h), nn.GELU(), nn.Dropout(0.1))
                                     for _ in range(3)])
        self.out = nn.Linear(h, 1)

    def forward(self, x):
        h = self.inp(x)
        for b in self.blocks:
            h = h + b(h)
        return self.out(h).squeeze(-1)


train_loader = DataLoader(TabDS(trn), batch_size=CFG.batch_size, num_workers=2, pin_memory=True)
valid_loader = DataLoader(TabDS(val), batch_size=CFG.batch_size * 4)

model = ResMLP(len(CFG.features))
optimizer = torch.optim.AdamW(model.parameters(), lr=CFG.lr, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=CFG.lr, total_steps=CFG.epochs * len(train_loader))
criterion = nn.BCEWithLogitsLoss()
best_acc = 0

for epoch in range(CFG.epochs):
    model.train()
    losses = []
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
    model.eval()
    preds = []
    with torch.no_grad():
        for xb, _ in valid_loader:
            preds.append(torch.sigmoid(model(xb)).numpy())
    preds = np.concatenate(preds)
    acc = ((preds > 0.5) == val[CFG.target].values).mean()
    print(f"epoch {epoch:2d} train_loss {np.mean(losses):.4f} valid_acc {acc:.4f}")
    if acc > best_acc:
        best_acc = acc
        torch.save(model.state_dict(), os.path.join(".", "resmlp_best.pt"))
