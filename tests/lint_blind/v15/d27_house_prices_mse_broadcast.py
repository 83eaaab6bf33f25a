# expect: TVL009
# style: beginner notebook export, tabular regression (energy consumption)
# bug: the model ends in nn.Linear(32, 1) giving (B, 1) predictions while the target tensor is 1-D (B,); MSELoss broadcasts them to (B, B) and the model learns the batch mean
#!/usr/bin/env python
# coding: utf-8

# ## Building energy consumption regression

# In[1]:
import numpy as np
import pandas as pd
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

# In[2]:
np.random.seed(0)
N = 8000
df = pd.DataFrame({
    "temp": np.random.normal(15, 8, N),
    "humidity": np.random.uniform(20, 95, N),
    "hour": np.random.randint(0, 24, N),
    "weekday": np.random.randint(0, 7, N),
    "floor_area": np.random.uniform(100, 5000, N),
})
df["kwh"] = (0.02 * df.floor_area + 3 * np.abs(df.temp - 18) + 10 * np.sin(df.hour / 24 * 2 * np.pi)
             + 5 * (df.weekday < 5) + np.random.normal(0, 5, N))
print(df.describe())

# In[3]:
feature_cols = ["temp", "humidity", "hour", "weekday", "floor_area"]
train_df = df.sample(frac=0.8, random_state=1)
test_df = df.drop(train_df.index)
means = train_df[feature_cols].mean()
stds = train_df[feature_cols].std()


class EnergyDataset(Dataset):
    def __init__(self, frame):
        self.X = torch.tensor(((frame[feature_cols] - means) / stds).values, dtype=torch.float32)
        self.y = torch.tensor(frame["kwh"].values, dtype=torch.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]


train_loader = DataLoader(EnergyDataset(train_df), batch_size=64, shuffle=True)
test_loader = DataLoader(EnergyDataset(test_df), batch_size=256)

# In[4]:
class EnergyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Linear(len(feature_cols), 64),
            nn.ReLU(),
            nn.Linear(64, 32),
            nn.ReLU(),
            nn.Linear(32, 1),
        )

    def forward(self, x):
        return self.layers(x)


model = EnergyNet()
loss_fn = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
print(model)

# In[5]:
train_hist, test_hist = [], []
for epoch in range(50):
    model.train()
    batch_losses = []
    for X, y in train_loader:
        pred = model(X)
        loss = loss_fn(pred, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())
    train_hist.append(np.mean(batch_losses))

    model.eval()
    with torch.no_grad():
        preds = torch.cat([model(X) for X, _ in test_loader]).squeeze(1).numpy()
    mae = np.abs(preds - test_df["kwh"].values).mean()
    test_hist.append(mae)
    if epoch % 10 == 9:
        print(f"Epoch {epoch + 1}: train MSE {train_hist[-1]:.2f}, test MAE {mae:.2f}")

# In[6]:
plt.plot(train_hist, label="train mse")
plt.plot(test_hist, label="test mae")
plt.legend()
plt.savefig("energy_curves.png")
torch.save(model.state_dict(), "energy_net.pth")
