# expect: TVL002
# style: Kaggle kernel, tabular regression optimising a custom RMSLE directly
# bug: predictions go through .cpu().numpy() to compute RMSLE and are re-wrapped with torch.tensor(..., requires_grad=True), so loss.backward() never reaches the model.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, Dataset

SEED = 42
torch.manual_seed(SEED)
np.random.seed(SEED)

N = 5000
train = pd.DataFrame(np.random.rand(N, 12), columns=[f"f{i}" for i in range(12)])
train["target"] = np.expm1(train.values @ np.random.rand(12) + np.random.rand(N) * 0.1)


class TabDS(Dataset):
    def __init__(self, df):
        self.x = df.drop(columns="target").values.astype("float32")
        self.y = df["target"].values.astype("float32")

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


tr, va = train_test_split(train, test_size=0.2, random_state=SEED)
train_loader = DataLoader(TabDS(tr), batch_size=256, shuffle=True)
valid_loader = DataLoader(TabDS(va), batch_size=1024, shuffle=False)


class MLP(nn.Module):
    def __init__(self, d_in):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, 128), nn.SiLU(), nn.BatchNorm1d(128),
                                  nn.Linear(128, 64), nn.SiLU(), nn.Linear(64, 1), nn.Softplus())

    def forward(self, x):
        return self.body(x).squeeze(-1)


def rmsle_np(pred, true):
    return np.sqrt(np.mean((np.log1p(pred) - np.log1p(true)) ** 2))


model = MLP(12)
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)

for epoch in range(15):
    model.train()
    tr_loss = []
    for xb, yb in train_loader:
        optimizer.zero_grad()
        out = model(xb)
        # competition metric, optimise it directly
        score = rmsle_np(out.detach().cpu().numpy(), yb.numpy())
        loss = torch.tensor(score, requires_grad=True)
        loss.backward()
        optimizer.step()
        tr_loss.append(loss.item())

    model.eval()
    preds, trues = [], []
    with torch.no_grad():
        for xb, yb in valid_loader:
            preds.append(model(xb).numpy())
            trues.append(yb.numpy())
    model.train()
    val = rmsle_np(np.concatenate(preds), np.concatenate(trues))
    print(f"Epoch {epoch+1}: train RMSLE {np.mean(tr_loss):.4f} | valid RMSLE {val:.4f}")

# ---- inference on the (synthetic) test set ----
test = pd.DataFrame(np.random.rand(2000, 12), columns=[f"f{i}" for i in range(12)])
test_x = torch.tensor(test.values.astype("float32"))
model.eval()
with torch.no_grad():
    test_pred = model(test_x).numpy()
sub = pd.DataFrame({"row_id": np.arange(len(test)), "target": test_pred})
sub.to_csv("submission.csv", index=False)
print(sub.describe())
