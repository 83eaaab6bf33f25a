# expect: TVL017
# style: Kaggle kernel, tabular competition with a submission CSV keyed by the test dataframe's ids
# bug: the test DataLoader uses shuffle=True, then predictions are concatenated in loader order and written next to test_ids in their original row order
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SEED = 42
torch.manual_seed(SEED)
np.random.seed(SEED)
OUT = "/kaggle/working" if os.path.isdir("/kaggle/working") else "."

# ---------- "read_csv" ----------
n_train, n_test, n_feat = 50000, 20000, 25
train_X = np.random.randn(n_train, n_feat).astype(np.float32)
train_y = (train_X[:, :5].sum(1) + np.random.randn(n_train) > 0).astype(np.float32)
test_X = np.random.randn(n_test, n_feat).astype(np.float32)
test_ids = np.arange(300000, 300000 + n_test)

mu, sd = train_X.mean(0), train_X.std(0)
train_X = (train_X - mu) / sd
test_X = (test_X - mu) / sd

# ---------- folds ----------
idx = np.random.permutation(n_train)
val_idx, trn_idx = idx[:8000], idx[8000:]
trn_ds = TensorDataset(torch.from_numpy(train_X[trn_idx]), torch.from_numpy(train_y[trn_idx]))
val_ds = TensorDataset(torch.from_numpy(train_X[val_idx]), torch.from_numpy(train_y[val_idx]))
test_ds = TensorDataset(torch.from_numpy(test_X))

trn_dl = DataLoader(trn_ds, batch_size=512, shuffle=True)
val_dl = DataLoader(val_ds, batch_size=2048, shuffle=False)
test_dl = DataLoader(test_ds, batch_size=2048, shuffle=True)


# ---------- model ----------
class TabNetLite(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.net = nn.Sequential(
            nn.BatchNorm1d(d),
            nn.Linear(d, 256), nn.SiLU(), nn.Dropout(0.25),
            nn.Linear(256, 128), nn.SiLU(), nn.Dropout(0.15),
            nn.Linear(128, 1),
        )

    def forward(self, x):
        return self.net(x).squeeze(-1)


def roc_auc(y, s):
    order = np.argsort(s)
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    pos = y == 1
    return (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum())


device = "cuda" if torch.cuda.is_available() else "cpu"
model = TabNetLite(n_feat).to(device)
opt = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-5)
sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=15)
crit = nn.BCEWithLogitsLoss()

best_auc, best_state = 0.0, None
for epoch in range(15):
    model.train()
    for xb, yb in trn_dl:
        xb, yb = xb.to(device), yb.to(device)
        opt.zero_grad()
        loss = crit(model(xb), yb)
        loss.backward()
        opt.step()
    sched.step()
    model.eval()
    with torch.no_grad():
        scores = torch.cat([model(xb.to(device)).cpu() for xb, _ in val_dl]).numpy()
    auc = roc_auc(train_y[val_idx], scores)
    print(f"epoch {epoch:2d}  val AUC {auc:.5f}")
    if auc > best_auc:
        best_auc = auc
        best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}

# ---------- inference ----------
model.load_state_dict(best_state)
model.eval()
preds = []
with torch.no_grad():
    for (xb,) in test_dl:
        preds.append(torch.sigmoid(model(xb.to(device))).cpu())
preds = torch.cat(preds).numpy()

with open(os.path.join(OUT, "submission.csv"), "w") as f:
    f.write("id,target\n")
    for i, p in zip(test_ids, preds):
        f.write(f"{i},{p:.6f}\n")
print(f"best val AUC {best_auc:.5f}; wrote {len(preds)} rows")
