# expect: clean
# style: Kaggle tabular regression notebook (Linear(..., 1) head, output squeezed to match a 1-D target)
# note: forward returns self.head(x).squeeze(-1) -> (B,), matching the (B,) target; validation also uses matching shapes
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class BikeDataset(Dataset):
    def __init__(self, df, feats):
        self.x = torch.tensor(df[feats].values, dtype=torch.float32)
        self.y = torch.tensor(np.log1p(df["count"].values), dtype=torch.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class DemandRegressor(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
        self.head = nn.Linear(64, 1)

    def forward(self, x):
        return self.head(self.body(x)).squeeze(-1)


feats = [f"x{i}" for i in range(16)]
df = pd.DataFrame(np.random.rand(8000, 16), columns=feats)
df["count"] = np.random.poisson(50 + 100 * df["x0"])
train_loader = DataLoader(BikeDataset(df.iloc[:7000], feats), batch_size=128, shuffle=True)
valid_loader = DataLoader(BikeDataset(df.iloc[7000:], feats), batch_size=512)

model = DemandRegressor(len(feats))
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2)

for epoch in range(20):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
    model.eval()
    se, n = 0.0, 0
    with torch.no_grad():
        for xb, yb in valid_loader:
            se += criterion(model(xb), yb).item() * len(yb)
            n += len(yb)
    rmsle = np.sqrt(se / n)
    scheduler.step(rmsle)
    print(f"epoch {epoch:2d}: valid RMSLE {rmsle:.4f}")
