# expect: TVL017
# style: k-fold tabular pipeline with make_loaders()/predict() helpers writing out-of-fold predictions
# bug: make_loaders() gives the validation fold shuffle=True, and predict()'s outputs are assigned to oof[val_idx] in the fold's original row order, scrambling the OOF file and its CV score.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

N_FOLDS = 5
SEED = 13


def make_folds(n, k, seed):
    idx = np.random.default_rng(seed).permutation(n)
    return np.array_split(idx, k)


def make_loaders(X, y, tr_idx, va_idx, bs=256):
    tr = TensorDataset(torch.tensor(X[tr_idx]), torch.tensor(y[tr_idx]))
    va = TensorDataset(torch.tensor(X[va_idx]), torch.tensor(y[va_idx]))
    return (DataLoader(tr, batch_size=bs, shuffle=True),
            DataLoader(va, batch_size=bs * 4, shuffle=True))


def build_model(d):
    return nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))


def train_fold(model, loader, epochs=10):
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for _ in range(epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(xb).squeeze(-1), yb)
            loss.backward()
            opt.step()


@torch.no_grad()
def predict(model, loader):
    model.eval()
    return torch.cat([torch.sigmoid(model(xb).squeeze(-1)) for xb, _ in loader]).numpy()


def logloss(y, p, eps=1e-7):
    p = np.clip(p, eps, 1 - eps)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def main():
    rng = np.random.default_rng(SEED)
    df = pd.DataFrame(rng.normal(size=(10000, 16)), columns=[f"f{i}" for i in range(16)])
    df["row_id"] = np.arange(len(df))
    df["target"] = ((df.f0 * df.f1 + df.f2) > 0).astype(np.float32)
    X = df[[f"f{i}" for i in range(16)]].to_numpy(np.float32)
    y = df["target"].to_numpy(np.float32)

    oof = np.zeros(len(df), dtype=np.float32)
    for fold, va_idx in enumerate(make_folds(len(df), N_FOLDS, SEED)):
        tr_idx = np.setdiff1d(np.arange(len(df)), va_idx)
        train_loader, val_loader = make_loaders(X, y, tr_idx, va_idx)
        model = build_model(X.shape[1])
        train_fold(model, train_loader)
        oof[va_idx] = predict(model, val_loader)
        print(f"fold {fold} logloss {logloss(y[va_idx], oof[va_idx]):.4f}")

    print("CV logloss", logloss(y, oof))
    pd.DataFrame({"row_id": df["row_id"], "oof": oof}).to_csv("oof_mlp.csv", index=False)


if __name__ == "__main__":
    main()
