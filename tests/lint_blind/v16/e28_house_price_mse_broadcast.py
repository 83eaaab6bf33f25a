# expect: TVL009
# style: beginner notebook export, house-price regression on a pandas frame
# bug: the model outputs (B, 1) from nn.Linear(64, 1) while the target batch is 1-D (B,), so nn.MSELoss broadcasts to (B, B) and trains toward the batch mean
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

# %% load data
np.random.seed(7)
n = 5000
df = pd.DataFrame({
    "sqft": np.random.uniform(500, 4000, n),
    "bedrooms": np.random.randint(1, 6, n),
    "bathrooms": np.random.randint(1, 4, n),
    "age": np.random.uniform(0, 80, n),
    "lot": np.random.uniform(1000, 20000, n),
})
df["price"] = 50 * df.sqft + 10000 * df.bedrooms - 500 * df.age + np.random.normal(0, 20000, n)
print(df.describe())

# %% preprocessing
features = ["sqft", "bedrooms", "bathrooms", "age", "lot"]
X = df[features].values.astype(np.float32)
y = df["price"].values.astype(np.float32)
X_mean, X_std = X.mean(0), X.std(0)
y_mean, y_std = y.mean(), y.std()
X = (X - X_mean) / X_std
y = (y - y_mean) / y_std

split = int(0.8 * n)
X_train, X_test = torch.tensor(X[:split]), torch.tensor(X[split:])
y_train, y_test = torch.tensor(y[:split]), torch.tensor(y[split:])
train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True)

# %% model
model = nn.Sequential(
    nn.Linear(len(features), 64),
    nn.ReLU(),
    nn.Linear(64, 64),
    nn.ReLU(),
    nn.Linear(64, 1),
)
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

# %% training
losses = []
for epoch in range(100):
    model.train()
    epoch_loss = 0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        pred = model(xb)
        loss = criterion(pred, yb)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
    losses.append(epoch_loss / len(train_loader))
    if epoch % 10 == 0:
        print(f"Epoch {epoch}, Loss: {losses[-1]:.4f}")

# %% evaluation
model.eval()
with torch.no_grad():
    test_pred = model(X_test).squeeze(1)
    rmse = torch.sqrt(((test_pred - y_test) ** 2).mean()).item() * y_std
    mae = (test_pred - y_test).abs().mean().item() * y_std
print(f"Test RMSE: ${rmse:,.0f}  MAE: ${mae:,.0f}")

# %% residual check by price bucket
resid = (test_pred - y_test).numpy() * y_std
true_price = y_test.numpy() * y_std + y_mean
buckets = pd.qcut(true_price, 4, labels=["low", "mid", "high", "top"])
print(pd.DataFrame({"bucket": buckets, "abs_err": np.abs(resid)}).groupby("bucket")["abs_err"].mean())

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
plt.plot(losses)
plt.xlabel("epoch")
plt.ylabel("train MSE")
plt.savefig("loss_curve.png")

# %% save
torch.save({"model": model.state_dict(), "x_mean": X_mean, "x_std": X_std,
            "y_mean": y_mean, "y_std": y_std}, "house_price_model.pt")
