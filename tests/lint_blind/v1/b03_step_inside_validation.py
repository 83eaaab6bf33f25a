# expect: TVL004
# style: Kaggle notebook (tabular MLP, train_fn / valid_fn)
# bug: valid_fn() calls optimizer.step() inside the validation loop (copy-paste from train_fn)
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

CFG = {"epochs": 8, "lr": 1e-3, "bs": 256, "n_features": 40, "seed": 42}


class TabDataset(Dataset):
    def __init__(self, df, feats, target="target"):
        self.x = df[feats].values.astype(np.float32)
        self.y = df[target].values.astype(np.int64)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, idx):
        return torch.tensor(self.x[idx]), torch.tensor(self.y[idx])


class MLP(nn.Module):
    def __init__(self, n_in, n_out=2):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, 256), nn.BatchNorm1d(256), nn.SiLU(), nn.Dropout(0.3),
                                 nn.Linear(256, n_out))

    def forward(self, x):
        return self.net(x)


def train_fn(model, loader, optimizer, criterion):
    model.train()
    running = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running += loss.item()
    return running / len(loader)


def valid_fn(model, loader, optimizer, criterion):
    model.eval()
    running = 0.0
    for x, y in loader:
        loss = criterion(model(x), y)
        optimizer.step()
        running += loss.item()
    return running / len(loader)


feats = [f"f_{i}" for i in range(CFG["n_features"])]
df = pd.DataFrame(np.random.randn(5000, CFG["n_features"]), columns=feats)
df["target"] = (df["f_0"] > 0).astype(int)
trn, val = df.iloc[:4000], df.iloc[4000:]
train_loader = DataLoader(TabDataset(trn, feats), batch_size=CFG["bs"], shuffle=True, drop_last=True)
valid_loader = DataLoader(TabDataset(val, feats), batch_size=CFG["bs"], shuffle=False)

model = MLP(CFG["n_features"])
optimizer = torch.optim.AdamW(model.parameters(), lr=CFG["lr"])
criterion = nn.CrossEntropyLoss()
best = np.inf
for epoch in range(CFG["epochs"]):
    tr_loss = train_fn(model, train_loader, optimizer, criterion)
    va_loss = valid_fn(model, valid_loader, optimizer, criterion)
    print(f"epoch {epoch} train {tr_loss:.4f} valid {va_loss:.4f}")
    if va_loss < best:
        best = va_loss
        torch.save(model.state_dict(), "best.pth")
