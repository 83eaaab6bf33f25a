# expect: TVL008
# style: Kaggle multi-label toxic-comment classifier, inline training loop
# bug: the logits are passed through torch.sigmoid before nn.BCEWithLogitsLoss, which applies the sigmoid again
import gc

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
MAX_LEN, VOCAB, BS, EPOCHS, LR = 128, 30000, 64, 4, 2e-3
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

rng = np.random.default_rng(0)
train_df = pd.DataFrame({"id": [f"t{i}" for i in range(8000)]})
for c in LABELS:
    train_df[c] = (rng.random(len(train_df)) < 0.08).astype(np.float32)
tokens = rng.integers(1, VOCAB, size=(len(train_df), MAX_LEN))


class ToxicDS(Dataset):
    def __init__(self, tok, df):
        self.tok, self.y = tok, df[LABELS].values.astype(np.float32)

    def __len__(self):
        return len(self.tok)

    def __getitem__(self, i):
        return torch.tensor(self.tok[i]), torch.tensor(self.y[i])


class GRUPool(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 200)
        self.drop = nn.Dropout2d(0.2)
        self.gru = nn.GRU(200, 96, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(96 * 4, len(LABELS))

    def forward(self, x):
        e = self.emb(x)
        e = self.drop(e.permute(0, 2, 1).unsqueeze(3)).squeeze(3).permute(0, 2, 1)
        h, _ = self.gru(e)
        pooled = torch.cat([h.mean(1), h.max(1).values], 1)
        return self.fc(pooled)


def col_auc(y, p):
    order = np.argsort(p)
    r = np.empty(len(p)); r[order] = np.arange(1, len(p) + 1)
    npos = y.sum(); nneg = len(y) - npos
    return (r[y == 1].sum() - npos * (npos + 1) / 2) / max(npos * nneg, 1)


idx = rng.permutation(len(train_df))
tr_idx, va_idx = idx[:7000], idx[7000:]
train_dl = DataLoader(ToxicDS(tokens[tr_idx], train_df.iloc[tr_idx]), batch_size=BS, shuffle=True)
valid_dl = DataLoader(ToxicDS(tokens[va_idx], train_df.iloc[va_idx]), batch_size=BS * 4, shuffle=False)

model = GRUPool().to(device)
loss_fn = nn.BCEWithLogitsLoss()
opt = torch.optim.Adam(model.parameters(), lr=LR)

for epoch in range(EPOCHS):
    model.train()
    avg = 0.0
    for xb, yb in train_dl:
        xb, yb = xb.to(device), yb.to(device)
        preds = torch.sigmoid(model(xb))
        loss = loss_fn(preds, yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
        avg += loss.item() / len(train_dl)

    model.eval()
    val_preds, val_true = [], []
    with torch.no_grad():
        for xb, yb in valid_dl:
            val_preds.append(torch.sigmoid(model(xb.to(device))).cpu().numpy())
            val_true.append(yb.numpy())
    vp, vt = np.concatenate(val_preds), np.concatenate(val_true)
    aucs = [col_auc(vt[:, j], vp[:, j]) for j in range(len(LABELS))]
    print(f"epoch {epoch} loss {avg:.4f} mean AUC {np.mean(aucs):.4f}")
    gc.collect()

torch.save(model.state_dict(), "gru_toxic.pt")
