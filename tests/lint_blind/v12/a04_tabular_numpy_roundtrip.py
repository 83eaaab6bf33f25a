# expect: TVL002
# style: Kaggle tabular kernel, MLP for credit default, helper functions
# bug: postprocess() converts the logits to numpy (for clipping/metrics) and the loss is computed on torch.from_numpy of that array, cutting the graph to the model
import os
import random

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, TensorDataset

SEED = 42
N_FEATURES = 24
EPOCHS = 8
BATCH = 256
LR = 3e-3


def seed_everything(seed):
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_frame(n=20000):
    rng = np.random.default_rng(SEED)
    X = rng.normal(size=(n, N_FEATURES)).astype("float32")
    w = rng.normal(size=N_FEATURES)
    y = (X @ w + rng.normal(scale=2.0, size=n) > 0).astype("float32")
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(N_FEATURES)])
    df["target"] = y
    return df


class TabularMLP(nn.Module):
    def __init__(self, d_in, hidden=(256, 128), p=0.2):
        super().__init__()
        layers = []
        for h in hidden:
            layers += [nn.Linear(d_in, h), nn.BatchNorm1d(h), nn.SiLU(), nn.Dropout(p)]
            d_in = h
        layers.append(nn.Linear(d_in, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x).squeeze(-1)


def postprocess(logits):
    # keep logits in a sane range, avoids inf in the loss on outliers
    arr = logits.detach().cpu().numpy()
    return np.clip(arr, -15.0, 15.0)


def train_fold(model, train_dl, valid_dl, device):
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    crit = nn.BCEWithLogitsLoss()
    best_auc = 0.0
    for epoch in range(EPOCHS):
        model.train()
        tr_loss = 0.0
        for xb, yb in train_dl:
            xb, yb = xb.to(device), yb.to(device)
            opt.zero_grad()
            logits = torch.from_numpy(postprocess(model(xb))).to(device).requires_grad_()
            loss = crit(logits, yb)
            loss.backward()
            opt.step()
            tr_loss += loss.item() * len(xb)

        model.eval()
        preds, gts = [], []
        with torch.no_grad():
            for xb, yb in valid_dl:
                preds.append(torch.sigmoid(model(xb.to(device))).cpu().numpy())
                gts.append(yb.numpy())
        auc = roc_auc_score(np.concatenate(gts), np.concatenate(preds))
        print(f"epoch {epoch}: train_loss={tr_loss / len(train_dl.dataset):.4f} val_auc={auc:.4f}")
        best_auc = max(best_auc, auc)
    return best_auc


seed_everything(SEED)
df = load_frame()
feats = [c for c in df.columns if c.startswith("f")]
folds = np.arange(len(df)) % 5
device = "cuda" if torch.cuda.is_available() else "cpu"

scores = []
for k in range(5):
    tr, va = df[folds != k], df[folds == k]
    tr_ds = TensorDataset(torch.tensor(tr[feats].values), torch.tensor(tr["target"].values))
    va_ds = TensorDataset(torch.tensor(va[feats].values), torch.tensor(va["target"].values))
    tr_dl = DataLoader(tr_ds, batch_size=BATCH, shuffle=True, drop_last=True)
    va_dl = DataLoader(va_ds, batch_size=BATCH * 4, shuffle=False)
    model = TabularMLP(len(feats)).to(device)
    scores.append(train_fold(model, tr_dl, va_dl, device))
    print(f"fold {k} best auc {scores[-1]:.4f}")

print("CV AUC", np.mean(scores), "+-", np.std(scores))
