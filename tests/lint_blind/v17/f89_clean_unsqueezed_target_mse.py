# expect: clean
# style: Kaggle-style notebook, energy consumption regression with a (B, 1) head and a target reshaped to (B, 1)
# note: the head is nn.Linear(64, 1) giving (B, 1) predictions, but the dataset stores the target as a (N, 1) column (y.reshape(-1, 1)), so MSELoss compares (B, 1) with (B, 1).
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

np.random.seed(5)
torch.manual_seed(5)

# In[1]: data
n = 26000
df = pd.DataFrame({
    "hour": np.tile(np.arange(24), n // 24 + 1)[:n],
    "temp": np.random.normal(15, 8, n),
    "humidity": np.random.uniform(20, 90, n),
    "occupancy": np.random.poisson(30, n),
    "is_weekend": np.random.randint(0, 2, n),
})
df["kwh"] = (50 + 2.5 * np.abs(df.temp - 18) + 0.8 * df.occupancy - 15 * df.is_weekend
             + 10 * np.sin(df.hour / 24 * 2 * np.pi) + np.random.normal(0, 4, n))
df["hour_sin"] = np.sin(2 * np.pi * df.hour / 24)
df["hour_cos"] = np.cos(2 * np.pi * df.hour / 24)
feat_cols = ["temp", "humidity", "occupancy", "is_weekend", "hour_sin", "hour_cos"]

# In[2]: split + scale
split = int(0.85 * n)
X = df[feat_cols].values.astype(np.float32)
y = df["kwh"].values.astype(np.float32).reshape(-1, 1)
mu, sd = X[:split].mean(0), X[:split].std(0) + 1e-6
X = (X - mu) / sd
y_mu, y_sd = y[:split].mean(), y[:split].std()
y_scaled = (y - y_mu) / y_sd

train_ds = TensorDataset(torch.from_numpy(X[:split]), torch.from_numpy(y_scaled[:split]))
valid_ds = TensorDataset(torch.from_numpy(X[split:]), torch.from_numpy(y_scaled[split:]))
train_dl = DataLoader(train_ds, batch_size=256, shuffle=True)
valid_dl = DataLoader(valid_ds, batch_size=2048)
print(train_ds[0][0].shape, train_ds[0][1].shape)  # torch.Size([6]) torch.Size([1])

# In[3]: model
model = nn.Sequential(nn.Linear(len(feat_cols), 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=3)

# In[4]: train
best = np.inf
for epoch in range(40):
    model.train()
    tr = []
    for xb, yb in train_dl:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        tr.append(loss.item())
    model.eval()
    with torch.no_grad():
        va = np.mean([criterion(model(xb), yb).item() for xb, yb in valid_dl])
    scheduler.step(va)
    rmse_kwh = np.sqrt(va) * y_sd
    if va < best:
        best = va
        torch.save(model.state_dict(), "energy_mlp.pt")
    if epoch % 5 == 0:
        print(f"epoch {epoch:2d} train {np.mean(tr):.4f} valid {va:.4f} rmse_kwh {rmse_kwh:.2f}")
