# expect: TVL002
# style: Kaggle notebook export, tabular regression with an RMSLE metric used as the loss
# bug: the loss is computed in numpy from pred.detach().cpu().numpy() and re-wrapped with torch.tensor(..., requires_grad=True), so no gradient reaches the MLP
# In[1]:
import os
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

# In[2]:
SEED = 42
np.random.seed(SEED)
torch.manual_seed(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

n_rows = 12000
df = pd.DataFrame({
    "sqft": np.random.lognormal(7, 0.4, n_rows),
    "bedrooms": np.random.randint(1, 6, n_rows),
    "bathrooms": np.random.randint(1, 4, n_rows),
    "age": np.random.randint(0, 100, n_rows),
    "lat": np.random.uniform(40, 42, n_rows),
    "lon": np.random.uniform(-75, -73, n_rows),
})
df["price"] = (df.sqft * 150 + df.bedrooms * 10000 - df.age * 300 + np.random.normal(0, 20000, n_rows)).clip(20000)

# In[3]:
def add_features(frame):
    frame = frame.copy()
    frame["rooms"] = frame["bedrooms"] + frame["bathrooms"]
    frame["sqft_per_room"] = frame["sqft"] / frame["rooms"].clip(lower=1)
    frame["is_new"] = (frame["age"] < 5).astype(np.float32)
    frame["dist_center"] = np.sqrt((frame["lat"] - 41.0) ** 2 + (frame["lon"] + 74.0) ** 2)
    return frame


df = add_features(df)
print(df.describe().T[["mean", "std", "min", "max"]])
print("price skew:", df["price"].skew())

# In[3b]:
feature_cols = ["sqft", "bedrooms", "bathrooms", "age", "lat", "lon", "rooms", "sqft_per_room", "is_new", "dist_center"]
X = df[feature_cols].values.astype(np.float32)
y = df["price"].values.astype(np.float32)
X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.2, random_state=SEED)
scaler = StandardScaler().fit(X_tr)
X_tr = scaler.transform(X_tr).astype(np.float32)
X_va = scaler.transform(X_va).astype(np.float32)

train_ds = TensorDataset(torch.from_numpy(X_tr), torch.from_numpy(y_tr))
valid_ds = TensorDataset(torch.from_numpy(X_va), torch.from_numpy(y_va))
train_dl = DataLoader(train_ds, batch_size=256, shuffle=True)
valid_dl = DataLoader(valid_ds, batch_size=1024, shuffle=False)

# In[4]:
class PriceNet(nn.Module):
    def __init__(self, d_in):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(d_in, 256), nn.ReLU(), nn.BatchNorm1d(256), nn.Dropout(0.1),
            nn.Linear(256, 128), nn.ReLU(), nn.BatchNorm1d(128),
            nn.Linear(128, 1),
        )

    def forward(self, x):
        # predict log-price, return price
        return torch.exp(self.net(x).squeeze(-1))


model = PriceNet(len(feature_cols)).to(DEVICE)
optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)

# In[5]:
def rmsle_np(pred, target):
    pred = np.clip(pred, 1.0, None)
    return np.sqrt(np.mean((np.log1p(pred) - np.log1p(target)) ** 2))

# In[6]:
history = {"train": [], "valid": []}
EPOCHS = 30
patience_left = 5
best_state = None
for epoch in range(EPOCHS):
    model.train()
    batch_losses = []
    for xb, yb in train_dl:
        xb = xb.to(DEVICE)
        pred = model(xb)
        # competition metric directly as the objective
        loss_val = rmsle_np(pred.detach().cpu().numpy(), yb.numpy())
        loss = torch.tensor(loss_val, dtype=torch.float32, device=DEVICE, requires_grad=True)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch_losses.append(loss_val)

    model.eval()
    preds, targets = [], []
    with torch.no_grad():
        for xb, yb in valid_dl:
            preds.append(model(xb.to(DEVICE)).cpu().numpy())
            targets.append(yb.numpy())
    val = rmsle_np(np.concatenate(preds), np.concatenate(targets))
    history["train"].append(float(np.mean(batch_losses)))
    history["valid"].append(float(val))
    print(f"epoch {epoch:02d} train_rmsle={np.mean(batch_losses):.4f} valid_rmsle={val:.4f}")
    if val <= min(history["valid"]):
        best_state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
        patience_left = 5
    else:
        patience_left -= 1
        if patience_left == 0:
            print("no improvement for 5 epochs, stopping")
            break

# In[7]:
os.makedirs("artifacts", exist_ok=True)
torch.save(best_state if best_state is not None else model.state_dict(), "artifacts/price_net.pt")
pd.DataFrame(history).to_csv("artifacts/history.csv", index=False)
print("done, best valid", min(history["valid"]))
