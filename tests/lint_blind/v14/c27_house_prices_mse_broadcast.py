# expect: TVL009
# style: Kaggle house-prices kernel, pandas preprocessing + MLP regressor
# bug: the model outputs (B, 1) from nn.Linear(64, 1) and the target batch is (B,), so MSELoss broadcasts to (B, B)
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(2024)
n = 1460
df = pd.DataFrame({
    "LotArea": rng.lognormal(9, 0.5, n),
    "OverallQual": rng.integers(1, 11, n),
    "YearBuilt": rng.integers(1900, 2010, n),
    "GrLivArea": rng.normal(1500, 500, n).clip(300),
    "GarageCars": rng.integers(0, 4, n),
    "Neighborhood": rng.choice(["NAmes", "CollgCr", "OldTown", "Edwards", "Somerst"], n),
    "FullBath": rng.integers(0, 4, n),
})
df["SalePrice"] = (20000 * df.OverallQual + 60 * df.GrLivArea + 10000 * df.GarageCars
                   + rng.normal(0, 20000, n)).clip(30000)

y = np.log1p(df.pop("SalePrice").values).astype(np.float32)
df = pd.get_dummies(df, columns=["Neighborhood"], dtype=float)
num_cols = ["LotArea", "OverallQual", "YearBuilt", "GrLivArea", "GarageCars", "FullBath"]
df["LotArea"] = np.log1p(df["LotArea"])
idx = rng.permutation(n)
tr_idx, va_idx = idx[:1200], idx[1200:]
mu, sd = df.iloc[tr_idx][num_cols].mean(), df.iloc[tr_idx][num_cols].std()
df[num_cols] = (df[num_cols] - mu) / sd
X = df.values.astype(np.float32)
y_mean = y[tr_idx].mean()

X_tr, y_tr = torch.tensor(X[tr_idx]), torch.tensor(y[tr_idx] - y_mean)
X_va, y_va = torch.tensor(X[va_idx]), torch.tensor(y[va_idx] - y_mean)
train_loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=32, shuffle=True)

model = nn.Sequential(
    nn.Linear(X.shape[1], 128), nn.ReLU(), nn.Dropout(0.1),
    nn.Linear(128, 64), nn.ReLU(),
    nn.Linear(64, 1),
)
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)

best_rmse, best_state = float("inf"), None
for epoch in range(200):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        pred = model(xb)
        loss = criterion(pred, yb)
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        va_pred = model(X_va).squeeze(1)
        rmse = torch.sqrt(((va_pred - y_va) ** 2).mean()).item()
    if rmse < best_rmse:
        best_rmse = rmse
        best_state = {k: v.clone() for k, v in model.state_dict().items()}
    if epoch % 20 == 0:
        print(f"epoch {epoch:3d}  train_loss {loss.item():.4f}  valid RMSLE {rmse:.4f}")

print("best valid RMSLE:", round(best_rmse, 4))
model.load_state_dict(best_state)
with torch.no_grad():
    preds = np.expm1(model(X_va).squeeze(1).numpy() + y_mean)
print(pd.Series(preds).describe())
