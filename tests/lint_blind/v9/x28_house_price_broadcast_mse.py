# expect: TVL009
# style: tabular regression (house prices) with model factory and separate loss helper, Kaggle-ish
# bug: make_regressor ends in nn.Linear(hidden, 1) giving (B, 1) predictions, while the dataset yields targets of shape (B,), so mse_loss broadcasts to (B, B).
import os
import random
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

NUM_COLS = ["lot_area", "overall_qual", "year_built", "gr_liv_area", "garage_cars", "total_bsmt_sf"]


def fake_frame(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({c: rng.normal(size=n) for c in NUM_COLS})
    df["sale_price"] = np.exp(12 + 0.3 * df["overall_qual"] + 0.2 * df["gr_liv_area"] + 0.05 * rng.normal(size=n))
    return df


class HouseDataset(Dataset):
    def __init__(self, df, mean=None, std=None):
        x = df[NUM_COLS].values.astype(np.float32)
        self.mean = x.mean(0) if mean is None else mean
        self.std = x.std(0) + 1e-6 if std is None else std
        self.x = torch.from_numpy((x - self.mean) / self.std)
        self.y = torch.from_numpy(np.log1p(df["sale_price"].values).astype(np.float32))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def make_regressor(in_dim, hidden=128, p=0.1):
    return nn.Sequential(
        nn.Linear(in_dim, hidden), nn.ReLU(), nn.Dropout(p),
        nn.Linear(hidden, hidden), nn.ReLU(), nn.Dropout(p),
        nn.Linear(hidden, 1),
    )


def rmse_loss(pred, target):
    return torch.sqrt(F.mse_loss(pred, target) + 1e-8)


def fit(model, train_dl, valid_dl, epochs=40, lr=1e-3):
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-5)
    for ep in range(epochs):
        model.train()
        tl = 0.0
        for xb, yb in train_dl:
            opt.zero_grad()
            loss = rmse_loss(model(xb), yb)
            loss.backward()
            opt.step()
            tl += loss.item() * len(xb)
        model.eval()
        with torch.no_grad():
            vl = sum(rmse_loss(model(xb), yb).item() * len(xb) for xb, yb in valid_dl)
        if ep % 5 == 0:
            print(f"ep {ep:02d} train_rmse {tl / len(train_dl.dataset):.4f} valid_rmse {vl / len(valid_dl.dataset):.4f}")
    return model


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    df = fake_frame()
    tr_df, va_df = df.iloc[:2500], df.iloc[2500:]
    tr_ds = HouseDataset(tr_df)
    va_ds = HouseDataset(va_df, tr_ds.mean, tr_ds.std)
    model = fit(make_regressor(len(NUM_COLS)), DataLoader(tr_ds, batch_size=64, shuffle=True), DataLoader(va_ds, batch_size=256))
    torch.save(model.state_dict(), "house_mlp.pt")
