# expect: TVL007
# style: Kaggle-kernel style tabular/sequence regression with OneCycle-like warmup written inline
# bug: scheduler.step() is called before optimizer.step() inside the batch loop
import gc
import random

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class CFG:
    seed = 2024
    seq_len = 80
    n_feats = 5
    hidden = 128
    epochs = 10
    bs = 256
    max_lr = 2e-3
    device = "cuda" if torch.cuda.is_available() else "cpu"


def seed_everything(s):
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)


seed_everything(CFG.seed)

# ventilator-pressure-like synthetic breaths
n_breaths = 3000
X = np.random.randn(n_breaths, CFG.seq_len, CFG.n_feats).astype(np.float32)
y = (X[..., 0].cumsum(1) * 0.1 + X[..., 1] + np.random.randn(n_breaths, CFG.seq_len) * 0.05).astype(np.float32)
folds = np.arange(n_breaths) % 5


class BreathDS(Dataset):
    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return torch.from_numpy(self.X[i]), torch.from_numpy(self.y[i])


class LstmReg(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc_in = nn.Sequential(nn.Linear(CFG.n_feats, CFG.hidden), nn.SiLU())
        self.lstm = nn.LSTM(CFG.hidden, CFG.hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * CFG.hidden, 1)

    def forward(self, x):
        h, _ = self.lstm(self.fc_in(x))
        return self.head(h).squeeze(-1)


oof = np.zeros_like(y)
for fold in range(2):
    tr_idx, va_idx = np.where(folds != fold)[0], np.where(folds == fold)[0]
    tr_dl = DataLoader(BreathDS(X[tr_idx], y[tr_idx]), batch_size=CFG.bs, shuffle=True, drop_last=True)
    va_dl = DataLoader(BreathDS(X[va_idx], y[va_idx]), batch_size=CFG.bs, shuffle=False)

    model = LstmReg().to(CFG.device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=CFG.max_lr / 25, weight_decay=1e-5)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=CFG.max_lr, epochs=CFG.epochs, steps_per_epoch=len(tr_dl), pct_start=0.1)
    criterion = nn.L1Loss()

    best = np.inf
    for epoch in range(CFG.epochs):
        model.train()
        tl = 0.0
        for xb, yb in tr_dl:
            xb, yb = xb.to(CFG.device), yb.to(CFG.device)
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            scheduler.step()
            optimizer.step()
            tl += loss.item()

        model.eval()
        preds = []
        with torch.no_grad():
            for xb, _ in va_dl:
                preds.append(model(xb.to(CFG.device)).cpu().numpy())
        preds = np.concatenate(preds)
        mae = np.abs(preds - y[va_idx]).mean()
        print(f"fold {fold} epoch {epoch} train {tl / len(tr_dl):.4f} valid MAE {mae:.4f}")
        if mae < best:
            best = mae
            oof[va_idx] = preds
            torch.save(model.state_dict(), f"lstm_fold{fold}.pth")
    del model, optimizer
    gc.collect()

pd.DataFrame({"fold": folds, "oof_mae": np.abs(oof - y).mean(1)}).to_csv("oof.csv", index=False)
