# expect: TVL009
# style: Kaggle house-prices notebook export, MSE regression on log target
# bug: the net ends with nn.Linear(64, 1) so predictions are (B, 1) while the target batch is (B,); MSELoss broadcasts to (B, B)
# coding: utf-8
import math
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

# In[1]:
rng = np.random.default_rng(42)
N_TRAIN, N_TEST, N_FEAT = 1460, 1459, 79
train_X = rng.normal(size=(N_TRAIN, N_FEAT)).astype(np.float32)
test_X = rng.normal(size=(N_TEST, N_FEAT)).astype(np.float32)
beta = rng.normal(size=N_FEAT).astype(np.float32) * 0.05
sale_price = np.exp(12.0 + train_X @ beta + rng.normal(scale=0.1, size=N_TRAIN)).astype(np.float32)
test_ids = np.arange(1461, 1461 + N_TEST)

# In[2]:
y_log = np.log1p(sale_price)
mu, sd = train_X.mean(0), train_X.std(0) + 1e-6
train_X = (train_X - mu) / sd
test_X = (test_X - mu) / sd
idx = rng.permutation(N_TRAIN)
tr_idx, va_idx = idx[:1200], idx[1200:]


class HouseDS(Dataset):
    def __init__(self, X, y=None):
        self.X = torch.from_numpy(X)
        self.y = None if y is None else torch.from_numpy(y)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        if self.y is None:
            return self.X[i]
        return self.X[i], self.y[i]


train_dl = DataLoader(HouseDS(train_X[tr_idx], y_log[tr_idx]), batch_size=32, shuffle=True)
valid_dl = DataLoader(HouseDS(train_X[va_idx], y_log[va_idx]), batch_size=128)
test_dl = DataLoader(HouseDS(test_X), batch_size=128, shuffle=False)

# In[3]:
model = nn.Sequential(
    nn.Linear(N_FEAT, 256), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(256, 64), nn.ReLU(),
    nn.Linear(64, 1),
)
loss_fn = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)

# In[4]:
EPOCHS = 100
best_rmse, patience, bad = float("inf"), 10, 0
for epoch in range(EPOCHS):
    model.train()
    tr_loss = 0.0
    for xb, yb in train_dl:
        optimizer.zero_grad()
        pred = model(xb)
        loss = loss_fn(pred, yb)
        loss.backward()
        optimizer.step()
        tr_loss += loss.item() * len(xb)

    model.eval()
    se, n = 0.0, 0
    with torch.no_grad():
        for xb, yb in valid_dl:
            p = model(xb).view(-1)
            se += ((p - yb) ** 2).sum().item()
            n += len(yb)
    rmse = math.sqrt(se / n)
    if epoch % 10 == 0:
        print(f"epoch {epoch:3d}  train_mse {tr_loss / len(tr_idx):.4f}  valid_rmsle {rmse:.4f}")
    if rmse < best_rmse:
        best_rmse, bad = rmse, 0
        torch.save(model.state_dict(), "best_house.pt")
    else:
        bad += 1
        if bad >= patience:
            print("early stopping at", epoch)
            break

# In[5]:
model.load_state_dict(torch.load("best_house.pt", weights_only=True))
model.eval()
preds = []
with torch.no_grad():
    for xb in test_dl:
        preds.append(model(xb).view(-1))
preds = np.expm1(torch.cat(preds).numpy())
os.makedirs("submission", exist_ok=True)
with open("submission/submission.csv", "w") as f:
    f.write("Id,SalePrice\n")
    for i, p in zip(test_ids, preds):
        f.write(f"{i},{p:.2f}\n")
print("best valid RMSLE", best_rmse)
