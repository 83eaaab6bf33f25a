# expect: TVL002
# style: Kaggle kernel, tabular demand forecasting with a custom pinball loss
# bug: predictions are converted to numpy for the pinball loss and re-wrapped with torch.tensor(..., requires_grad=True), so no gradient ever reaches the network.
import os
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

SEED = 2024
QUANTILES = np.array([0.1, 0.5, 0.9], dtype=np.float32)
torch.manual_seed(SEED)
rng = np.random.default_rng(SEED)


def make_frame(n=20000):
    df = pd.DataFrame({
        "store": rng.integers(0, 50, n),
        "item": rng.integers(0, 200, n),
        "dow": rng.integers(0, 7, n),
        "price": rng.uniform(1, 30, n),
        "promo": rng.integers(0, 2, n),
    })
    df["sales"] = (10 + 3 * df.promo - 0.2 * df.price + df.dow * 0.5 + rng.normal(0, 2, n)).clip(0)
    return df


class SalesDS(Dataset):
    def __init__(self, df):
        self.cat = torch.tensor(df[["store", "item", "dow"]].values, dtype=torch.long)
        self.num = torch.tensor(df[["price", "promo"]].values, dtype=torch.float32)
        self.y = torch.tensor(df["sales"].values, dtype=torch.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.cat[i], self.num[i], self.y[i]


class QuantileNet(nn.Module):
    def __init__(self, n_store=50, n_item=200, emb=16, hidden=128, n_q=3):
        super().__init__()
        self.store = nn.Embedding(n_store, emb)
        self.item = nn.Embedding(n_item, emb)
        self.dow = nn.Embedding(7, 4)
        self.mlp = nn.Sequential(
            nn.Linear(emb * 2 + 4 + 2, hidden), nn.ReLU(),
            nn.Linear(hidden, hidden), nn.ReLU(),
            nn.Linear(hidden, n_q),
        )

    def forward(self, cat, num):
        h = torch.cat([self.store(cat[:, 0]), self.item(cat[:, 1]), self.dow(cat[:, 2]), num], 1)
        return self.mlp(h)


def pinball_np(pred, target, qs):
    diff = target[:, None] - pred
    return np.maximum(qs * diff, (qs - 1) * diff).mean()


df = make_frame()
df = df.sample(frac=1.0, random_state=SEED).reset_index(drop=True)
cut = int(len(df) * 0.85)
train_df, valid_df = df.iloc[:cut], df.iloc[cut:]
train_dl = DataLoader(SalesDS(train_df), batch_size=256, shuffle=True)
valid_dl = DataLoader(SalesDS(valid_df), batch_size=1024)

model = QuantileNet()
opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)

for epoch in range(15):
    model.train()
    tr_losses = []
    for cat, num, y in train_dl:
        opt.zero_grad()
        pred = model(cat, num)
        loss_val = pinball_np(pred.detach().cpu().numpy(), y.numpy(), QUANTILES)
        loss = torch.tensor(loss_val, requires_grad=True)
        loss.backward()
        opt.step()
        tr_losses.append(loss_val)

    model.eval()
    va = []
    with torch.no_grad():
        for cat, num, y in valid_dl:
            va.append(pinball_np(model(cat, num).numpy(), y.numpy(), QUANTILES))
    print(f"epoch {epoch:2d} train pinball {np.mean(tr_losses):.4f}  valid pinball {np.mean(va):.4f}")

os.makedirs("models", exist_ok=True)
torch.save(model.state_dict(), "models/quantile_net.pt")
