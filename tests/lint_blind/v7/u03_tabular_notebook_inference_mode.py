# expect: TVL001
# style: beginner notebook export, tabular regression (house prices)
# bug: the training cell was copied from the prediction cell and the whole step runs under torch.inference_mode(), so the model forward feeding loss.backward() is never tracked.
# In[1]:
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

# In[2]:
rng = np.random.default_rng(0)
df = pd.DataFrame({
    "sqft": rng.normal(1500, 400, 3000),
    "rooms": rng.integers(1, 7, 3000),
    "age": rng.integers(0, 80, 3000),
    "dist_city": rng.uniform(0, 40, 3000),
})
df["price"] = 120 * df.sqft + 8000 * df.rooms - 900 * df.age - 2500 * df.dist_city + rng.normal(0, 20000, 3000)
df.head()

# In[3]:
features = ["sqft", "rooms", "age", "dist_city"]
X = df[features].values.astype(np.float32)
y = df["price"].values.astype(np.float32)
mu, sd = X.mean(0), X.std(0)
X = (X - mu) / sd
y_mu, y_sd = y.mean(), y.std()
y = (y - y_mu) / y_sd

split = int(0.8 * len(X))
train_ds = TensorDataset(torch.tensor(X[:split]), torch.tensor(y[:split]).unsqueeze(1))
valid_ds = TensorDataset(torch.tensor(X[split:]), torch.tensor(y[split:]).unsqueeze(1))
train_dl = DataLoader(train_ds, batch_size=64, shuffle=True)
valid_dl = DataLoader(valid_ds, batch_size=256)

# In[4]:
model = nn.Sequential(
    nn.Linear(len(features), 64),
    nn.ReLU(),
    nn.Dropout(0.1),
    nn.Linear(64, 32),
    nn.ReLU(),
    nn.Linear(32, 1),
)
loss_fn = nn.MSELoss()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)

# In[5]:
def predict(dl):
    model.eval()
    outs = []
    with torch.inference_mode():
        for xb, _ in dl:
            outs.append(model(xb))
    model.train()
    return torch.cat(outs)

# In[6]:
history = []
for epoch in range(30):
    model.train()
    running = 0.0
    with torch.inference_mode():
        for xb, yb in train_dl:
            pred = model(xb)
            loss = loss_fn(pred, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item() * len(xb)
    val_pred = predict(valid_dl)
    val_y = valid_ds.tensors[1]
    val_rmse = torch.sqrt(((val_pred - val_y) ** 2).mean()).item() * y_sd
    history.append((running / len(train_ds), val_rmse))
    print(f"epoch {epoch:2d}  train mse {running / len(train_ds):.4f}  val rmse ${val_rmse:,.0f}")

# In[7]:
pd.DataFrame(history, columns=["train_mse", "val_rmse"]).tail()

# In[8]:
import matplotlib.pyplot as plt

hist = pd.DataFrame(history, columns=["train_mse", "val_rmse"])
fig, ax = plt.subplots(1, 2, figsize=(10, 4))
hist["train_mse"].plot(ax=ax[0], title="train MSE (standardised)")
hist["val_rmse"].plot(ax=ax[1], title="val RMSE ($)")
plt.tight_layout()
plt.savefig("house_prices_curves.png")

# In[9]:
# predict a few example houses
examples = pd.DataFrame({"sqft": [900, 1600, 2600], "rooms": [2, 3, 5], "age": [40, 10, 2], "dist_city": [5, 15, 30]})
ex = torch.tensor(((examples[features].values - mu) / sd).astype(np.float32))
model.eval()
with torch.inference_mode():
    examples["pred_price"] = model(ex).squeeze(1).numpy() * y_sd + y_mu
examples
