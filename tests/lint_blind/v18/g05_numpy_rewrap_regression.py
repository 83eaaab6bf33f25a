# expect: TVL002
# style: beginner Kaggle kernel, tabular house-price regression with a numpy-based RMSLE
# bug: the loss is computed in numpy from pred.detach().numpy() and re-wrapped with torch.tensor(..., requires_grad=True), cutting the model out of the graph; backward() runs and nothing trains.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SEED = 42
np.random.seed(SEED)
torch.manual_seed(SEED)

# --- fake "train.csv"
n = 3000
df = pd.DataFrame({
    "LotArea": np.random.lognormal(9, 0.5, n),
    "OverallQual": np.random.randint(1, 11, n),
    "YearBuilt": np.random.randint(1900, 2010, n),
    "GrLivArea": np.random.lognormal(7.2, 0.3, n),
    "GarageCars": np.random.randint(0, 4, n),
})
df["SalePrice"] = (20000 + 15000 * df.OverallQual + 60 * df.GrLivArea + 5000 * df.GarageCars
                   + np.random.normal(0, 15000, n)).clip(lower=30000)

features = ["LotArea", "OverallQual", "YearBuilt", "GrLivArea", "GarageCars"]
X = df[features].values.astype(np.float32)
mu, sd = X.mean(0), X.std(0)
X = (X - mu) / sd
y = np.log1p(df["SalePrice"].values).astype(np.float32)

split = int(0.8 * n)
X_tr, X_va = torch.tensor(X[:split]), torch.tensor(X[split:])
y_tr, y_va = torch.tensor(y[:split]), torch.tensor(y[split:])

train_loader = DataLoader(TensorDataset(X_tr, y_tr), batch_size=64, shuffle=True)

model = nn.Sequential(
    nn.Linear(len(features), 64),
    nn.ReLU(),
    nn.Dropout(0.1),
    nn.Linear(64, 32),
    nn.ReLU(),
    nn.Linear(32, 1),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)


def rmse_np(pred, target):
    return np.sqrt(np.mean((pred - target) ** 2))


best = float("inf")
for epoch in range(40):
    model.train()
    losses = []
    for xb, yb in train_loader:
        pred = model(xb).squeeze(1)
        # competition metric is RMSE on log price, so optimise it directly
        loss_value = rmse_np(pred.detach().numpy(), yb.numpy())
        loss = torch.tensor(loss_value, requires_grad=True)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss_value)

    model.eval()
    with torch.no_grad():
        va_pred = model(X_va).squeeze(1)
        va_rmse = rmse_np(va_pred.numpy(), y_va.numpy())
    if va_rmse < best:
        best = va_rmse
        torch.save(model.state_dict(), "best_house.pth")
    if epoch % 5 == 0:
        print(f"Epoch {epoch:02d} | train rmse {np.mean(losses):.4f} | valid rmse {va_rmse:.4f}")

print("best valid rmse", best)

# --- predictions on "test.csv"
test = df.sample(200, random_state=1)[features].values.astype(np.float32)
test = (test - mu) / sd
model.load_state_dict(torch.load("best_house.pth", weights_only=True))
model.eval()
with torch.no_grad():
    preds = np.expm1(model(torch.tensor(test)).squeeze(1).numpy())
print(preds[:5])
