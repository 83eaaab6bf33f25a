# expect: TVL015
# style: sklearn-style tabular regression (energy consumption) converted to PyTorch, inline script
# bug: the training DataLoader is built without shuffle=True (and without a sampler), on data sorted by building id/time
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SEED = 11
rng = np.random.default_rng(SEED)
torch.manual_seed(SEED)

# synthetic meter readings, sorted by building and timestamp like the raw csv
n_buildings, n_hours = 120, 400
rows = []
for b in range(n_buildings):
    base = rng.uniform(50, 500)
    for h in range(n_hours):
        temp = 15 + 10 * np.sin(2 * np.pi * h / 24) + rng.normal()
        rows.append((b, h, temp, h % 24, (h // 24) % 7, base * (1 + 0.02 * temp) + rng.normal(scale=5)))
df = pd.DataFrame(rows, columns=["building_id", "hour", "air_temp", "hod", "dow", "meter_reading"])
df = df.sort_values(["building_id", "hour"]).reset_index(drop=True)

feature_cols = ["air_temp", "hod", "dow"]
X = df[feature_cols].values.astype(np.float32)
X = (X - X.mean(0)) / X.std(0)
b_onehot = np.eye(n_buildings, dtype=np.float32)[df["building_id"].values]
X = np.concatenate([X, b_onehot], axis=1)
y = np.log1p(df["meter_reading"].clip(lower=0).values).astype(np.float32)

is_val = (df["hour"] >= 340).values
train_ds = TensorDataset(torch.from_numpy(X[~is_val]), torch.from_numpy(y[~is_val]))
val_ds = TensorDataset(torch.from_numpy(X[is_val]), torch.from_numpy(y[is_val]))

train_loader = DataLoader(train_ds, batch_size=256, num_workers=2, pin_memory=True)
val_loader = DataLoader(val_ds, batch_size=1024)

model = nn.Sequential(
    nn.Linear(X.shape[1], 256), nn.ReLU(),
    nn.Linear(256, 128), nn.ReLU(),
    nn.Linear(128, 1),
)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
criterion = nn.MSELoss()

best_rmse = float("inf")
for epoch in range(25):
    model.train()
    tr_loss = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        pred = model(xb).squeeze(-1)
        loss = criterion(pred, yb)
        loss.backward()
        optimizer.step()
        tr_loss += loss.item() * len(xb)

    model.eval()
    sse = 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            sse += ((model(xb).squeeze(-1) - yb) ** 2).sum().item()
    rmsle = (sse / len(val_ds)) ** 0.5
    print(f"epoch {epoch:2d}  train_mse={tr_loss / len(train_ds):.4f}  val_rmsle={rmsle:.4f}")
    if rmsle < best_rmse:
        best_rmse = rmsle
        torch.save(model.state_dict(), "energy_mlp.pt")

print("best", best_rmse)

# ---- per-building error report on the validation period ----
model.load_state_dict(torch.load("energy_mlp.pt", weights_only=True))
model.eval()
with torch.no_grad():
    val_pred = torch.cat([model(xb).squeeze(-1) for xb, _ in val_loader]).numpy()
val_df = df[is_val].copy()
val_df["pred"] = np.expm1(val_pred)
val_df["sq_log_err"] = (val_pred - y[is_val]) ** 2
per_building = val_df.groupby("building_id")["sq_log_err"].mean().pow(0.5).sort_values(ascending=False)
print("worst buildings (RMSLE):")
print(per_building.head(10).to_string())
print("hour-of-day profile of the error:")
print(val_df.groupby("hod")["sq_log_err"].mean().round(4).to_string())
val_df[["building_id", "hour", "meter_reading", "pred"]].to_csv("val_predictions.csv", index=False)
