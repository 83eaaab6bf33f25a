# expect: TVL009
# style: beginner tabular regression (California-housing-like) with pandas and a plain loop
# bug: the model ends in nn.Linear(32, 1) giving (B, 1) predictions while y_batch is (B,), so nn.MSELoss broadcasts to (B, B) and trains towards the batch mean.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
n = 8000
df = pd.DataFrame({
    "MedInc": rng.lognormal(1.2, 0.4, n),
    "HouseAge": rng.integers(1, 52, n),
    "AveRooms": rng.normal(5, 1, n),
    "AveBedrms": rng.normal(1, 0.1, n),
    "Population": rng.lognormal(7, 0.7, n),
    "Latitude": rng.uniform(32, 42, n),
    "Longitude": rng.uniform(-124, -114, n),
})
df["MedHouseVal"] = 0.4 * df.MedInc + 0.01 * df.HouseAge - 0.05 * (df.Latitude - 36) + rng.normal(0, 0.3, n)

feature_cols = [c for c in df.columns if c != "MedHouseVal"]
train_df = df.sample(frac=0.8, random_state=0)
test_df = df.drop(train_df.index)

mean, std = train_df[feature_cols].mean(), train_df[feature_cols].std()
X_train = torch.tensor(((train_df[feature_cols] - mean) / std).values, dtype=torch.float32)
y_train = torch.tensor(train_df["MedHouseVal"].values, dtype=torch.float32)
X_test = torch.tensor(((test_df[feature_cols] - mean) / std).values, dtype=torch.float32)
y_test = torch.tensor(test_df["MedHouseVal"].values, dtype=torch.float32)

train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=128, shuffle=True)

model = nn.Sequential(
    nn.Linear(len(feature_cols), 64),
    nn.ReLU(),
    nn.Linear(64, 32),
    nn.ReLU(),
    nn.Linear(32, 1),
)
loss_fn = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

print(model)
print("train size:", len(X_train), "test size:", len(X_test))

for epoch in range(50):
    model.train()
    batch_losses = []
    for X_batch, y_batch in train_loader:
        y_pred = model(X_batch)
        loss = loss_fn(y_pred, y_batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch_losses.append(loss.item())

    if epoch % 10 == 0 or epoch == 49:
        model.eval()
        with torch.no_grad():
            test_pred = model(X_test).squeeze(1)
            test_mse = ((test_pred - y_test) ** 2).mean().item()
        print(f"epoch {epoch:3d}  train_loss {np.mean(batch_losses):.4f}  test_rmse {np.sqrt(test_mse):.4f}")

torch.save(model.state_dict(), "housing_mlp.pt")
