# expect: TVL017
# style: K-fold tabular pipeline with get_loader/predict helpers and out-of-fold AUC
# bug: get_loader(..., shuffle=True) is used for the validation fold as well, and predict()'s output is stored into oof[val_idx] / scored against the fold's labels in original row order.
import os
import random
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

N_FOLDS = 5
FEATS = [f"num_{i}" for i in range(30)]


def make_frame(n=15000, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(rng.normal(size=(n, len(FEATS))), columns=FEATS)
    logit = df["num_0"] * 1.5 - df["num_3"] + 0.5 * df["num_7"] * df["num_8"]
    df["target"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    return df


def get_loader(df, bs=512, shuffle=True):
    x = torch.tensor(df[FEATS].values, dtype=torch.float32)
    y = torch.tensor(df["target"].values, dtype=torch.float32)
    return DataLoader(TensorDataset(x, y), batch_size=bs, shuffle=shuffle)


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def train_fold(train_dl, epochs=8):
    model = MLP(len(FEATS))
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    for _ in range(epochs):
        model.train()
        for xb, yb in train_dl:
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(xb), yb)
            loss.backward()
            opt.step()
    return model


@torch.no_grad()
def predict(model, dl):
    model.eval()
    return torch.cat([torch.sigmoid(model(xb)) for xb, _ in dl]).numpy()


def main():
    df = make_frame()
    oof = np.zeros(len(df))
    skf = StratifiedKFold(N_FOLDS, shuffle=True, random_state=42)
    for fold, (tr_idx, val_idx) in enumerate(skf.split(df, df["target"])):
        tr_df, val_df = df.iloc[tr_idx], df.iloc[val_idx]
        model = train_fold(get_loader(tr_df))
        val_dl = get_loader(val_df, bs=2048)
        oof[val_idx] = predict(model, val_dl)
        print(f"fold {fold} AUC {roc_auc_score(val_df['target'], oof[val_idx]):.5f}")
        torch.save(model.state_dict(), f"mlp_fold{fold}.pt")
    print(f"OOF AUC {roc_auc_score(df['target'], oof):.5f}")
    pd.DataFrame({"row": np.arange(len(df)), "oof": oof}).to_csv("oof.csv", index=False)


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main()
