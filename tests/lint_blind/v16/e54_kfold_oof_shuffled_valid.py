# expect: TVL017
# style: Kaggle K-fold tabular pipeline with out-of-fold predictions, loaders built by a per-fold factory
# bug: get_loaders() builds the validation loader with shuffle=True, and the fold's predictions are written into oof[val_idx] in the original index order, scrambling the OOF array and its CV score
import gc

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

N_FOLDS = 5
EPOCHS = 10
BS = 256
SEED = 2023
FEATS = [f"num_{i}" for i in range(16)]

rng = np.random.default_rng(SEED)
df = pd.DataFrame(rng.normal(size=(15000, 16)), columns=FEATS)
df["target"] = df["num_0"] * 2 + np.sin(df["num_1"] * 3) + 0.3 * rng.normal(size=len(df))
df["fold"] = rng.integers(0, N_FOLDS, size=len(df))


def add_features(frame):
    frame = frame.copy()
    frame["num_0_x_1"] = frame["num_0"] * frame["num_1"]
    frame["row_mean"] = frame[FEATS].mean(axis=1)
    frame["row_std"] = frame[FEATS].std(axis=1)
    return frame


df = add_features(df)
FEATS = FEATS + ["num_0_x_1", "row_mean", "row_std"]
mu, sd = df[FEATS].mean(), df[FEATS].std()
df[FEATS] = (df[FEATS] - mu) / sd
print(df[FEATS + ["target"]].describe().T[["mean", "std"]].head(8))


def get_loaders(trn, val):
    xt = torch.tensor(trn[FEATS].values, dtype=torch.float32)
    yt = torch.tensor(trn["target"].values, dtype=torch.float32)
    xv = torch.tensor(val[FEATS].values, dtype=torch.float32)
    yv = torch.tensor(val["target"].values, dtype=torch.float32)
    train_loader = DataLoader(TensorDataset(xt, yt), batch_size=BS, shuffle=True, drop_last=True)
    valid_loader = DataLoader(TensorDataset(xv, yv), batch_size=BS * 4, shuffle=True)
    return train_loader, valid_loader


def get_model():
    return nn.Sequential(nn.Linear(len(FEATS), 256), nn.SiLU(), nn.Dropout(0.1),
                         nn.Linear(256, 128), nn.SiLU(), nn.Linear(128, 1))


def train_fold(fold):
    trn, val = df[df.fold != fold], df[df.fold == fold]
    train_loader, valid_loader = get_loaders(trn, val)
    model = get_model()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    best_rmse, best_preds = np.inf, None
    for epoch in range(EPOCHS):
        model.train()
        for xb, yb in train_loader:
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(xb).squeeze(-1), yb)
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        preds = []
        with torch.no_grad():
            for xb, _ in valid_loader:
                preds.append(model(xb).squeeze(-1).numpy())
        preds = np.concatenate(preds)
        rmse = np.sqrt(np.mean((preds - val["target"].values) ** 2))
        if rmse < best_rmse:
            best_rmse, best_preds = rmse, preds
            torch.save(model.state_dict(), f"mlp_fold{fold}.pt")
    print(f"fold {fold}: best rmse {best_rmse:.5f}")
    return val.index.values, best_preds


oof = np.zeros(len(df))
for fold in range(N_FOLDS):
    val_idx, preds = train_fold(fold)
    oof[val_idx] = preds
    gc.collect()

cv = np.sqrt(np.mean((oof - df["target"].values) ** 2))
print(f"CV RMSE: {cv:.5f}")
pd.DataFrame({"id": df.index, "oof": oof}).to_csv("oof_mlp.csv", index=False)
