# expect: TVL001
# style: beginner notebook export, tabular regression with manual L2 penalty
# bug: the forward pass sits inside torch.no_grad() so the loss only has a graph through the L2 penalty term; the network is never fit to the data
#!/usr/bin/env python
# coding: utf-8

# In[1]:
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import TensorDataset, DataLoader

# In[2]:
rng = np.random.default_rng(42)
n = 5000
df = pd.DataFrame({
    "sqft": rng.normal(1800, 500, n),
    "rooms": rng.integers(1, 7, n),
    "age": rng.integers(0, 90, n),
    "dist_center": rng.exponential(8.0, n),
})
df["price"] = 120 * df.sqft + 9000 * df.rooms - 700 * df.age - 3000 * df.dist_center + rng.normal(0, 20000, n)
df.head()

# In[3]:
features = ["sqft", "rooms", "age", "dist_center"]
X = df[features].values.astype(np.float32)
y = df[["price"]].values.astype(np.float32)
mu, sd = X.mean(0), X.std(0)
X = (X - mu) / sd
y_mu, y_sd = y.mean(), y.std()
y = (y - y_mu) / y_sd

split = int(0.8 * n)
X_train, X_val = torch.tensor(X[:split]), torch.tensor(X[split:])
y_train, y_val = torch.tensor(y[:split]), torch.tensor(y[split:])
print(X_train.shape, y_train.shape)

# In[4]:
train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=128, shuffle=True)
val_loader = DataLoader(TensorDataset(X_val, y_val), batch_size=512)

# In[5]:
model = nn.Sequential(
    nn.Linear(4, 64),
    nn.ReLU(),
    nn.Linear(64, 64),
    nn.ReLU(),
    nn.Linear(64, 1),
)
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
l2_lambda = 1e-4
history = {"train": [], "val": []}

# In[6]:
def l2_penalty(m):
    return sum((p ** 2).sum() for p in m.parameters())

# In[7]:
for epoch in range(40):
    model.train()
    epoch_loss = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        # don't track the big activations, we only need the prediction for the loss
        with torch.no_grad():
            preds = model(xb)
        loss = criterion(preds, yb) + l2_lambda * l2_penalty(model)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item() * xb.size(0)
    epoch_loss /= len(train_loader.dataset)

    model.eval()
    with torch.no_grad():
        val_loss = 0.0
        for xb, yb in val_loader:
            val_loss += criterion(model(xb), yb).item() * xb.size(0)
        val_loss /= len(val_loader.dataset)

    history["train"].append(epoch_loss)
    history["val"].append(val_loss)
    if epoch % 5 == 0:
        print(f"epoch {epoch:02d}  train {epoch_loss:.4f}  val {val_loss:.4f}")

# In[8]:
model.eval()
with torch.no_grad():
    pv = model(X_val).numpy() * y_sd + y_mu
true = y_val.numpy() * y_sd + y_mu
rmse = float(np.sqrt(((pv - true) ** 2).mean()))
print("val RMSE ($):", round(rmse, 2))

# In[9]:
pd.DataFrame(history).plot(title="loss curves")
torch.save(model.state_dict(), "house_mlp.pt")
