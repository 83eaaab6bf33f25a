# expect: TVL013
# style: StackOverflow-style script, MLP with an input-noise forward pre-hook for tabular churn prediction
# bug: the training loop calls model.forward(xb) directly instead of model(xb), bypassing the module's forward pre-hooks (the input-noise hook registered below never runs during training).
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(3)
n = 10000
df = pd.DataFrame({
    "tenure": rng.integers(0, 72, n),
    "monthly": rng.normal(65, 30, n).clip(18, 120),
    "contract": rng.integers(0, 3, n),
    "tickets": rng.poisson(1.2, n),
    "autopay": rng.integers(0, 2, n),
})
logit = -0.04 * df.tenure + 0.02 * df.monthly - 0.8 * df.contract + 0.35 * df.tickets - 0.5 * df.autopay
df["churn"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float32)

X = df.drop(columns="churn").values.astype(np.float32)
X = (X - X.mean(0)) / X.std(0)
y = df["churn"].values
Xtr, Xte, ytr, yte = X[:8000], X[8000:], y[:8000], y[8000:]

train_loader = DataLoader(TensorDataset(torch.from_numpy(Xtr), torch.from_numpy(ytr)), batch_size=128, shuffle=True)
test_loader = DataLoader(TensorDataset(torch.from_numpy(Xte), torch.from_numpy(yte)), batch_size=1000)


class ChurnNet(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 32), nn.ReLU(),
                                 nn.Linear(32, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def gaussian_input_noise(module, inputs):
    (x,) = inputs
    if module.training:
        return (x + 0.05 * torch.randn_like(x),)
    return None


model = ChurnNet(X.shape[1])
model.register_forward_pre_hook(gaussian_input_noise)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)

for epoch in range(25):
    model.train()
    total = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        out = model.forward(xb)
        loss = criterion(out, yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    model.eval()
    with torch.no_grad():
        scores = torch.cat([torch.sigmoid(model(xb)) for xb, _ in test_loader]).numpy()
    print(f"epoch {epoch + 1:2d}  loss {total / len(Xtr):.4f}  test AUC {roc_auc_score(yte, scores):.4f}")

# feature importance by permutation on the test split
model.eval()
with torch.no_grad():
    base_scores = torch.sigmoid(model(torch.from_numpy(Xte))).numpy()
    base_auc = roc_auc_score(yte, base_scores)
    importances = {}
    for j, col in enumerate(df.drop(columns="churn").columns):
        Xp = Xte.copy()
        Xp[:, j] = rng.permutation(Xp[:, j])
        auc = roc_auc_score(yte, torch.sigmoid(model(torch.from_numpy(Xp))).numpy())
        importances[col] = base_auc - auc
for col, drop in sorted(importances.items(), key=lambda kv: -kv[1]):
    print(f"{col:>10s}  AUC drop {drop:+.4f}")
