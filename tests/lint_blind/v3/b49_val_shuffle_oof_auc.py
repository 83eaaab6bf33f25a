# expect: TVL017
# style: Kaggle tabular/NLP competition kernel (OOF predictions, roc_auc_score against valid_df targets)
# bug: the validation DataLoader uses shuffle=True, but the concatenated predictions are scored against valid_df["target"] in the DataFrame's order
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from torch.utils.data import DataLoader, Dataset


class CFG:
    n_folds = 5
    epochs = 5
    batch_size = 512
    lr = 1e-3


class TabDS(Dataset):
    def __init__(self, df, feats):
        self.x = torch.tensor(df[feats].values, dtype=torch.float32)
        self.y = torch.tensor(df["target"].values, dtype=torch.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def get_model(n_in):
    return nn.Sequential(nn.Linear(n_in, 256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 1))


def inference(model, loader):
    model.eval()
    preds = []
    with torch.no_grad():
        for x, _ in loader:
            preds.append(torch.sigmoid(model(x).squeeze(-1)).numpy())
    return np.concatenate(preds)


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(20000, 30)), columns=[f"var_{i}" for i in range(30)])
    df["target"] = (df.var_0 + 0.5 * rng.normal(size=len(df)) > 1).astype(int)
    feats = [c for c in df.columns if c.startswith("var_")]
    oof = np.zeros(len(df))
    skf = StratifiedKFold(CFG.n_folds, shuffle=True, random_state=42)
    for fold, (trn_idx, val_idx) in enumerate(skf.split(df, df.target)):
        trn_df, valid_df = df.iloc[trn_idx].reset_index(drop=True), df.iloc[val_idx].reset_index(drop=True)
        train_loader = DataLoader(TabDS(trn_df, feats), batch_size=CFG.batch_size, shuffle=True)
        valid_loader = DataLoader(TabDS(valid_df, feats), batch_size=CFG.batch_size, shuffle=True)
        model = get_model(len(feats))
        opt = torch.optim.Adam(model.parameters(), lr=CFG.lr)
        for epoch in range(CFG.epochs):
            model.train()
            for x, y in train_loader:
                opt.zero_grad()
                loss = nn.functional.binary_cross_entropy_with_logits(model(x).squeeze(-1), y)
                loss.backward()
                opt.step()
            val_preds = inference(model, valid_loader)
            print(f"fold {fold} epoch {epoch} val AUC {roc_auc_score(valid_df['target'].values, val_preds):.5f}")
        oof[val_idx] = val_preds
    print(f"CV AUC: {roc_auc_score(df.target, oof):.5f}")
