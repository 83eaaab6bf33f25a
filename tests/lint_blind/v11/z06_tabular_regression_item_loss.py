# expect: TVL002
# style: beginner Kaggle tabular regression, inline loop, loss rebuilt from .item()
# bug: the loss is rebuilt as a new tensor from pred.item()-style values via .data, so backward never reaches the network
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(42)
df = pd.DataFrame(rng.normal(size=(3000, 12)), columns=[f"f{i}" for i in range(12)])
df["target"] = df.values @ rng.normal(size=12) + rng.normal(scale=0.1, size=3000)

features = [c for c in df.columns if c != "target"]
X = torch.tensor(df[features].values, dtype=torch.float32)
y = torch.tensor(df["target"].values, dtype=torch.float32)
mu, sd = X.mean(0), X.std(0)
X = (X - mu) / sd

split = 2500
train_ds = TensorDataset(X[:split], y[:split])
valid_ds = TensorDataset(X[split:], y[split:])
train_loader = DataLoader(train_ds, batch_size=64, shuffle=True)
valid_loader = DataLoader(valid_ds, batch_size=256)

model = nn.Sequential(
    nn.Linear(len(features), 64),
    nn.ReLU(),
    nn.Dropout(0.1),
    nn.Linear(64, 32),
    nn.ReLU(),
    nn.Linear(32, 1),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)

best = float("inf")
for epoch in range(20):
    model.train()
    train_loss = 0.0
    for xb, yb in train_loader:
        pred = model(xb).squeeze(-1)
        # compute RMSE-ish loss on raw values
        diff = pred.data - yb
        loss = torch.sqrt((diff ** 2).mean() + 1e-8)
        loss.requires_grad = True
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        train_loss += loss.item() * len(xb)
    train_loss /= len(train_ds)

    model.eval()
    se = 0.0
    with torch.no_grad():
        for xb, yb in valid_loader:
            se += ((model(xb).squeeze(-1) - yb) ** 2).sum().item()
    rmse = (se / len(valid_ds)) ** 0.5
    if rmse < best:
        best = rmse
        torch.save(model.state_dict(), "best_model.pt")
    print(f"Epoch {epoch+1}: train {train_loss:.4f}  valid rmse {rmse:.4f}  best {best:.4f}")
