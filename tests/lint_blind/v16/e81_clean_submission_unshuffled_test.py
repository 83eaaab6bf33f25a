# expect: clean
# style: Kaggle NLP competition kernel, readability regression with CV and submission, loaders built by a helper
# note: the helper takes a shuffle flag and the validation/test loaders are built with shuffle=False, so predictions line up with test_df["id"] when the submission is written; only the training loader shuffles
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

SEED, MAX_LEN, VOCAB, EPOCHS, BS = 42, 64, 12000, 6, 32
rng = np.random.default_rng(SEED)
torch.manual_seed(SEED)


def make_frame(n, with_target):
    df = pd.DataFrame({"id": [f"{i:06x}" for i in rng.integers(0, 1 << 24, n)],
                       "excerpt": [" ".join(f"t{j}" for j in rng.integers(0, 5000, rng.integers(20, 60))) for _ in range(n)]})
    if with_target:
        df["target"] = rng.normal(-1, 1, n)
    return df


train_df, test_df = make_frame(2800, True), make_frame(700, False)


class ExcerptDS(Dataset):
    def __init__(self, df):
        self.texts = df["excerpt"].tolist()
        self.targets = df["target"].values.astype(np.float32) if "target" in df else np.zeros(len(df), np.float32)

    def __len__(self):
        return len(self.texts)

    def __getitem__(self, i):
        ids = [hash(w) % (VOCAB - 1) + 1 for w in self.texts[i].split()][:MAX_LEN]
        ids = ids + [0] * (MAX_LEN - len(ids))
        return torch.tensor(ids), torch.tensor(self.targets[i])


def build_loader(df, shuffle):
    return DataLoader(ExcerptDS(df), batch_size=BS, shuffle=shuffle, drop_last=shuffle)


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 128, padding_idx=0)
        self.lstm = nn.LSTM(128, 128, batch_first=True, bidirectional=True)
        self.head = nn.Linear(256, 1)

    def forward(self, x):
        h, _ = self.lstm(self.emb(x))
        return self.head(h.mean(1)).view(-1)


def predict(model, loader):
    model.eval()
    with torch.no_grad():
        return np.concatenate([model(x).numpy() for x, _ in loader])


folds = np.arange(len(train_df)) % 4
test_preds = np.zeros(len(test_df))
for fold in range(4):
    trn, val = train_df[folds != fold], train_df[folds == fold]
    model = Regressor()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3)
    for epoch in range(EPOCHS):
        model.train()
        for x, y in build_loader(trn, shuffle=True):
            opt.zero_grad()
            loss = nn.functional.mse_loss(model(x), y)
            loss.backward()
            opt.step()
    val_pred = predict(model, build_loader(val, shuffle=False))
    rmse = np.sqrt(np.mean((val_pred - val["target"].values) ** 2))
    print(f"fold {fold} rmse {rmse:.4f}")
    test_preds += predict(model, build_loader(test_df, shuffle=False)) / 4

sub = pd.DataFrame({"id": test_df["id"], "target": test_preds})
sub.to_csv("submission.csv", index=False)
print(sub.head())
