# expect: clean
# style: Kaggle text-regression kernel (readability score) with K-fold OOF predictions and a submission file
# note: predictions are written next to the dataframe's ids in row order, which is the order-dependent pattern — every evaluation/test loader is built with shuffle=False (only the training loader shuffles), and the best fold checkpoint is reloaded with weights_only=True
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

SEED, N_FOLDS, EPOCHS, MAX_LEN, VOCAB = 42, 3, 4, 64, 5000
torch.manual_seed(SEED)
rng = np.random.default_rng(SEED)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"

train = pd.DataFrame({"id": [f"t{i}" for i in range(3000)]})
train["tokens"] = [rng.integers(1, VOCAB, rng.integers(10, MAX_LEN)).tolist() for _ in range(len(train))]
train["target"] = [np.mean(t) / VOCAB * 4 - 2 + rng.normal(0, 0.1) for t in train.tokens]
train["kfold"] = rng.permutation(len(train)) % N_FOLDS
test = pd.DataFrame({"id": [f"s{i}" for i in range(700)]})
test["tokens"] = [rng.integers(1, VOCAB, rng.integers(10, MAX_LEN)).tolist() for _ in range(len(test))]


class TextDS(Dataset):
    def __init__(self, df, with_target=True):
        self.tokens = df.tokens.tolist()
        self.targets = df.target.values.astype(np.float32) if with_target else None

    def __len__(self):
        return len(self.tokens)

    def __getitem__(self, i):
        ids = torch.zeros(MAX_LEN, dtype=torch.long)
        t = self.tokens[i][:MAX_LEN]
        ids[: len(t)] = torch.tensor(t)
        if self.targets is None:
            return ids
        return ids, torch.tensor(self.targets[i])


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.EmbeddingBag(VOCAB, 128, mode="mean", padding_idx=0)
        self.fc = nn.Sequential(nn.Linear(128, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 1))

    def forward(self, ids):
        return self.fc(self.emb(ids)).squeeze(-1)


def predict(model, loader):
    model.eval()
    out = []
    with torch.no_grad():
        for batch in loader:
            ids = batch[0] if isinstance(batch, (list, tuple)) else batch
            out.append(model(ids.to(DEVICE)).cpu().numpy())
    return np.concatenate(out)


oof = np.zeros(len(train))
test_preds = np.zeros(len(test))
test_loader = DataLoader(TextDS(test, with_target=False), batch_size=256, shuffle=False)
for fold in range(N_FOLDS):
    trn = train[train.kfold != fold].reset_index(drop=True)
    val_idx = np.where(train.kfold == fold)[0]
    val = train.iloc[val_idx].reset_index(drop=True)
    train_loader = DataLoader(TextDS(trn), batch_size=32, shuffle=True, drop_last=True)
    valid_loader = DataLoader(TextDS(val), batch_size=256, shuffle=False)
    model = Regressor().to(DEVICE)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
    best_rmse, path = np.inf, f"model_fold{fold}.pt"
    for epoch in range(EPOCHS):
        model.train()
        for ids, y in train_loader:
            loss = nn.functional.mse_loss(model(ids.to(DEVICE)), y.to(DEVICE))
            opt.zero_grad()
            loss.backward()
            opt.step()
        preds = predict(model, valid_loader)
        rmse = float(np.sqrt(np.mean((preds - val.target.values) ** 2)))
        print(f"fold {fold} epoch {epoch} rmse {rmse:.4f}")
        if rmse < best_rmse:
            best_rmse = rmse
            torch.save(model.state_dict(), path)
    model.load_state_dict(torch.load(path, map_location=DEVICE, weights_only=True))
    oof[val_idx] = predict(model, valid_loader)
    test_preds += predict(model, test_loader) / N_FOLDS

print("CV RMSE:", np.sqrt(np.mean((oof - train.target.values) ** 2)))
pd.DataFrame({"id": test.id, "target": test_preds}).to_csv("submission.csv", index=False)
for fold in range(N_FOLDS):
    os.remove(f"model_fold{fold}.pt")
