# expect: TVL009
# style: Kaggle house-prices notebook export, pandas preprocessing + MLP regressor
# bug: the network ends in nn.Linear(64, 1) giving (B, 1) predictions while the target batch is (B,), so MSELoss broadcasts to (B, B) and fits the batch mean.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

np.random.seed(0)
torch.manual_seed(0)

# ---------------------------------------------------------------- load / fake data
N = 1460
df = pd.DataFrame({
    "LotArea": np.random.lognormal(9, 0.4, N),
    "OverallQual": np.random.randint(1, 11, N),
    "YearBuilt": np.random.randint(1880, 2010, N),
    "GrLivArea": np.random.normal(1500, 500, N).clip(300),
    "GarageCars": np.random.randint(0, 4, N),
    "Neighborhood": np.random.choice(["NAmes", "CollgCr", "OldTown", "Edwards", "Somerst"], N),
})
df["SalePrice"] = (20000 * df.OverallQual + 60 * df.GrLivArea + 8000 * df.GarageCars
                   + 300 * (df.YearBuilt - 1880) + np.random.normal(0, 20000, N))

# ---------------------------------------------------------------- preprocessing
df["LogPrice"] = np.log1p(df["SalePrice"])
df = pd.get_dummies(df, columns=["Neighborhood"], dtype=float)
feature_cols = [c for c in df.columns if c not in ("SalePrice", "LogPrice")]
X = df[feature_cols].values.astype(np.float32)
X = (X - X.mean(0)) / (X.std(0) + 1e-6)
y = df["LogPrice"].values.astype(np.float32)

idx = np.random.permutation(N)
tr, va = idx[:1200], idx[1200:]
train_ds = TensorDataset(torch.tensor(X[tr]), torch.tensor(y[tr]))
valid_ds = TensorDataset(torch.tensor(X[va]), torch.tensor(y[va]))
train_dl = DataLoader(train_ds, batch_size=64, shuffle=True)
valid_dl = DataLoader(valid_ds, batch_size=256)

# ---------------------------------------------------------------- model
model = nn.Sequential(
    nn.Linear(X.shape[1], 128),
    nn.ReLU(),
    nn.Dropout(0.1),
    nn.Linear(128, 64),
    nn.ReLU(),
    nn.Linear(64, 1),
)
loss_fn = nn.MSELoss()
opt = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-5)


def rmse_log(pred, target):
    return float(np.sqrt(np.mean((pred.reshape(-1) - target.reshape(-1)) ** 2)))


# ---------------------------------------------------------------- training
train_hist, valid_hist = [], []
for epoch in range(60):
    model.train()
    batch_losses = []
    for xb, yb in train_dl:
        pred = model(xb)
        loss = loss_fn(pred, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        batch_losses.append(loss.item())
    train_hist.append(np.mean(batch_losses))

    model.eval()
    preds, targets = [], []
    with torch.no_grad():
        for xb, yb in valid_dl:
            preds.append(model(xb).numpy())
            targets.append(yb.numpy())
    valid_hist.append(rmse_log(np.concatenate(preds), np.concatenate(targets)))
    if epoch % 10 == 0 or epoch == 59:
        print(f"epoch {epoch:2d}  train mse {train_hist[-1]:.4f}  valid rmse(log) {valid_hist[-1]:.4f}")

torch.save(model.state_dict(), "house_mlp.pt")
pd.DataFrame({"train": train_hist, "valid": valid_hist}).to_csv("house_history.csv", index=False)
