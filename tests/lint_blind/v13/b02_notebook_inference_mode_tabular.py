# expect: TVL001
# style: beginner notebook export, tabular regression with a learnable loss temperature
# bug: the MLP forward sits inside torch.inference_mode() in the training cell, so only the loss's own log_sigma gets gradients
# In[1]:
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
np.random.seed(0)

# In[2]:
# synthetic "house prices" table
n_rows = 5000
df = pd.DataFrame({
    "sqft": np.random.uniform(400, 4000, n_rows),
    "rooms": np.random.randint(1, 8, n_rows),
    "age": np.random.uniform(0, 80, n_rows),
    "dist_center": np.random.exponential(5.0, n_rows),
})
df["price"] = (df.sqft * 120 + df.rooms * 5000 - df.age * 300
               - df.dist_center * 2000 + np.random.normal(0, 10000, n_rows))
df.head()

# In[3]:
features = ["sqft", "rooms", "age", "dist_center"]
X = df[features].values.astype(np.float32)
y = df["price"].values.astype(np.float32)
X = (X - X.mean(0)) / X.std(0)
y_mean, y_std = y.mean(), y.std()
y = (y - y_mean) / y_std

split = int(0.8 * n_rows)
train_ds = TensorDataset(torch.from_numpy(X[:split]), torch.from_numpy(y[:split]))
valid_ds = TensorDataset(torch.from_numpy(X[split:]), torch.from_numpy(y[split:]))
train_dl = DataLoader(train_ds, batch_size=64, shuffle=True)
valid_dl = DataLoader(valid_ds, batch_size=256)

# In[4]:
model = nn.Sequential(
    nn.Linear(len(features), 64),
    nn.ReLU(),
    nn.Dropout(0.1),
    nn.Linear(64, 64),
    nn.ReLU(),
    nn.Linear(64, 1),
)

# heteroscedastic-style gaussian NLL with one learned noise scale
log_sigma = nn.Parameter(torch.zeros(1))


def gaussian_nll(pred, target):
    return (0.5 * ((pred - target) ** 2) * torch.exp(-2 * log_sigma) + log_sigma).mean()


opt = torch.optim.Adam(list(model.parameters()) + [log_sigma], lr=3e-3)

# In[5]:
history = []
for epoch in range(20):
    model.train()
    tot, cnt = 0.0, 0
    for xb, yb in train_dl:
        opt.zero_grad()
        with torch.inference_mode():
            pred = model(xb).squeeze(-1)
        pred = pred.clone()  # inference tensors can't be saved for backward otherwise
        loss = gaussian_nll(pred, yb)
        loss.backward()
        opt.step()
        tot += loss.item() * len(xb)
        cnt += len(xb)

    model.eval()
    with torch.no_grad():
        val_err = 0.0
        for xb, yb in valid_dl:
            val_err += ((model(xb).squeeze(-1) - yb) ** 2).sum().item()
    val_rmse = (val_err / len(valid_ds)) ** 0.5 * y_std
    history.append((tot / cnt, val_rmse))
    print(f"epoch {epoch:02d}  train nll {tot / cnt:.4f}  val rmse ${val_rmse:,.0f}  sigma {log_sigma.exp().item():.3f}")

# In[6]:
hist = pd.DataFrame(history, columns=["train_nll", "val_rmse"])
hist.plot(subplots=True, figsize=(8, 5))
