# expect: TVL009
# style: Kaggle tabular regression notebook (house prices / MLP, pandas -> tensors)
# bug: model outputs (B, 1) from Linear(64, 1) while target is 1-D (B,); MSELoss broadcasts to (B, B)
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class HouseDataset(Dataset):
    def __init__(self, df, feature_cols, target_col="SalePrice"):
        self.X = torch.tensor(df[feature_cols].values, dtype=torch.float32)
        self.y = torch.tensor(np.log1p(df[target_col].values), dtype=torch.float32)

    def __len__(self):
        return len(self.X)

    def __getitem__(self, idx):
        return self.X[idx], self.y[idx]


class Regressor(nn.Module):
    def __init__(self, n_features):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_features, 128), nn.ReLU(), nn.Dropout(0.1),
                                 nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x)


features = [f"feat_{i}" for i in range(20)]
df = pd.DataFrame(np.random.randn(1460, 20), columns=features)
df["SalePrice"] = np.exp(12 + 0.3 * df["feat_0"] + 0.1 * np.random.randn(1460))
train_df, valid_df = df.iloc[:1200], df.iloc[1200:]

train_loader = DataLoader(HouseDataset(train_df, features), batch_size=64, shuffle=True)
valid_loader = DataLoader(HouseDataset(valid_df, features), batch_size=256)

model = Regressor(len(features))
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)

for epoch in range(40):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
    model.eval()
    sq_err, n = 0.0, 0
    with torch.no_grad():
        for xb, yb in valid_loader:
            sq_err += ((model(xb).squeeze(1) - yb) ** 2).sum().item()
            n += len(yb)
    if epoch % 5 == 0:
        print(f"epoch {epoch:2d}  valid RMSLE {np.sqrt(sq_err / n):.4f}")
