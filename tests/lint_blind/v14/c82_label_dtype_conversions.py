# expect: clean
# style: pandas-fed wine quality model with both a classification and a regression head
# note: labels arrive as float64 from pandas, but the class target is cast with .long() before cross_entropy and the regression target is unsqueezed to (B, 1) to match the nn.Linear(..., 1) output
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(8)
n = 6000
cols = ["fixed_acidity", "volatile_acidity", "citric_acid", "residual_sugar", "chlorides", "free_so2",
        "total_so2", "density", "pH", "sulphates", "alcohol"]
df = pd.DataFrame(rng.normal(size=(n, len(cols))), columns=cols)
df["quality"] = np.clip(np.round(5.8 + 0.6 * df["alcohol"] - 0.4 * df["volatile_acidity"] + rng.normal(0, 0.5, n)), 3, 9)
df["is_red"] = (rng.random(n) < 0.25).astype(float)
print(df["quality"].value_counts().sort_index())

X = torch.tensor(((df[cols] - df[cols].mean()) / df[cols].std()).values, dtype=torch.float32)
quality = torch.tensor(df["quality"].values)            # float64
color = torch.tensor(df["is_red"].values)               # float64

ds = TensorDataset(X, quality, color)
train_ds, val_ds = torch.utils.data.random_split(ds, [5000, 1000], generator=torch.Generator().manual_seed(0))
train_loader = DataLoader(train_ds, batch_size=128, shuffle=True)
val_loader = DataLoader(val_ds, batch_size=500)


class WineNet(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
        self.quality_reg = nn.Linear(64, 1)
        self.color_cls = nn.Linear(64, 2)

    def forward(self, x):
        h = self.body(x)
        return self.quality_reg(h), self.color_cls(h)


model = WineNet(len(cols))
opt = torch.optim.Adam(model.parameters(), lr=3e-3)

for epoch in range(30):
    model.train()
    for xb, qb, cb in train_loader:
        q_pred, c_logits = model(xb)
        q_target = qb.float().unsqueeze(1)                 # (B, 1) like q_pred
        c_target = cb.long()                               # class indices
        loss = F.mse_loss(q_pred, q_target) + 0.5 * F.cross_entropy(c_logits, c_target)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        mae = acc = cnt = 0.0
        for xb, qb, cb in val_loader:
            q_pred, c_logits = model(xb)
            mae += (q_pred.squeeze(1) - qb.float()).abs().sum().item()
            acc += (c_logits.argmax(1) == cb.long()).sum().item()
            cnt += len(qb)
    if epoch % 5 == 0 or epoch == 29:
        print(f"epoch {epoch:2d} loss {loss.item():.4f} quality MAE {mae / cnt:.3f} color acc {acc / cnt:.3f}")
