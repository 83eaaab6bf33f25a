# expect: TVL002
# style: Kaggle tabular kernel (pandas + KFold + simple MLP, print-based logging)
# bug: predictions go through .detach().cpu().numpy() and are re-wrapped with torch.tensor before the loss, cutting the model out of the graph
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.model_selection import KFold
from torch.utils.data import DataLoader, Dataset

SEED = 42
N_FOLDS = 5
EPOCHS = 10
BS = 256


class TabDataset(Dataset):
    def __init__(self, df, features, target):
        self.x = df[features].values.astype(np.float32)
        self.y = df[target].values.astype(np.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), torch.tensor(self.y[i])


class MLP(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, 256), nn.BatchNorm1d(256), nn.SiLU(), nn.Dropout(0.2), nn.Linear(256, 1))

    def forward(self, x):
        return self.body(x).squeeze(-1)


def run_fold(train_df, valid_df, feats):
    model = MLP(len(feats))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
    loss_fn = nn.MSELoss()
    tr_dl = DataLoader(TabDataset(train_df, feats, "target"), batch_size=BS, shuffle=True, drop_last=True)
    va_dl = DataLoader(TabDataset(valid_df, feats, "target"), batch_size=BS * 2, shuffle=False)
    for epoch in range(EPOCHS):
        model.train()
        for xb, yb in tr_dl:
            opt.zero_grad()
            preds = model(xb).detach().cpu().numpy()
            loss = loss_fn(torch.tensor(preds, requires_grad=True), yb)
            loss.backward()
            opt.step()
        model.eval()
        oof = []
        with torch.no_grad():
            for xb, _ in va_dl:
                oof.append(model(xb).numpy())
        oof = np.concatenate(oof)
        rmse = np.sqrt(np.mean((oof - valid_df["target"].values) ** 2))
        print(f"epoch {epoch:02d}  valid rmse {rmse:.5f}")
    return oof


if __name__ == "__main__":
    rng = np.random.default_rng(SEED)
    df = pd.DataFrame(rng.normal(size=(5000, 20)), columns=[f"f{i}" for i in range(20)])
    df["target"] = df.f0 * 0.5 + rng.normal(size=5000) * 0.1
    feats = [c for c in df.columns if c.startswith("f")]
    kf = KFold(N_FOLDS, shuffle=True, random_state=SEED)
    for fold, (tr_idx, va_idx) in enumerate(kf.split(df)):
        print(f"===== fold {fold} =====")
        run_fold(df.iloc[tr_idx].reset_index(drop=True), df.iloc[va_idx].reset_index(drop=True), feats)
