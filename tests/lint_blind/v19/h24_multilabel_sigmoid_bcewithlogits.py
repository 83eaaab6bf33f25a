# expect: TVL008
# style: Kaggle-style multi-label toxic comment classifier, inline training loop
# bug: the model output goes through torch.sigmoid before nn.BCEWithLogitsLoss, so the loss applies a second sigmoid and gradients are squashed
import os
import gc
import random
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader
from sklearn.metrics import roc_auc_score

LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
MAX_LEN = 150
VOCAB = 30000
EMB = 200
BATCH = 128
EPOCHS = 6
LR = 2e-3


def seed_all(s=2020):
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)
    os.environ["PYTHONHASHSEED"] = str(s)


seed_all()
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# synthetic stand-in for the tokenized train.csv
n = 40000
tokens = np.random.randint(1, VOCAB, size=(n, MAX_LEN))
targets = (np.random.rand(n, len(LABELS)) < np.array([0.09, 0.01, 0.05, 0.003, 0.05, 0.009])).astype(np.float32)
df = pd.DataFrame({"id": [f"c{i:06d}" for i in range(n)]})
fold = np.random.randint(0, 5, n)


class CommentDS(Dataset):
    def __init__(self, toks, y):
        self.toks, self.y = toks, y

    def __len__(self):
        return len(self.toks)

    def __getitem__(self, i):
        return torch.from_numpy(self.toks[i]).long(), torch.from_numpy(self.y[i])


class BiGRUPool(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, EMB)
        self.drop = nn.Dropout2d(0.2)
        self.gru = nn.GRU(EMB, 128, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(128 * 4, 64)
        self.out = nn.Linear(64, len(LABELS))

    def forward(self, x):
        e = self.emb(x)
        e = self.drop(e.permute(0, 2, 1).unsqueeze(-1)).squeeze(-1).permute(0, 2, 1)
        h, _ = self.gru(e)
        pooled = torch.cat([h.mean(1), h.max(1).values], 1)
        return self.out(torch.relu(self.fc(pooled)))


trn_idx, val_idx = np.where(fold != 0)[0], np.where(fold == 0)[0]
train_loader = DataLoader(CommentDS(tokens[trn_idx], targets[trn_idx]), batch_size=BATCH, shuffle=True)
valid_loader = DataLoader(CommentDS(tokens[val_idx], targets[val_idx]), batch_size=BATCH * 4, shuffle=False)

model = BiGRUPool().to(device)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=LR)
scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda ep: 0.6 ** ep)

best_auc = 0
for epoch in range(EPOCHS):
    model.train()
    avg_loss = 0.0
    for x_batch, y_batch in train_loader:
        x_batch, y_batch = x_batch.to(device), y_batch.to(device)
        y_pred = torch.sigmoid(model(x_batch))
        loss = criterion(y_pred, y_batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        avg_loss += loss.item() / len(train_loader)
    scheduler.step()

    model.eval()
    valid_preds = np.zeros((len(val_idx), len(LABELS)))
    avg_val_loss = 0.0
    with torch.no_grad():
        for i, (x_batch, y_batch) in enumerate(valid_loader):
            logits = model(x_batch.to(device))
            avg_val_loss += criterion(logits, y_batch.to(device)).item() / len(valid_loader)
            valid_preds[i * BATCH * 4:(i + 1) * BATCH * 4] = torch.sigmoid(logits).cpu().numpy()
    aucs = [roc_auc_score(targets[val_idx][:, j], valid_preds[:, j]) for j in range(len(LABELS))]
    mean_auc = float(np.mean(aucs))
    print(f"Epoch {epoch + 1}/{EPOCHS} loss={avg_loss:.4f} val_loss={avg_val_loss:.4f} mean_auc={mean_auc:.4f}")
    for name, a in zip(LABELS, aucs):
        print(f"   {name:>14s}: {a:.4f}")
    if mean_auc > best_auc:
        best_auc = mean_auc
        torch.save(model.state_dict(), "bigru_fold0.pt")

oof = pd.DataFrame(valid_preds, columns=LABELS)
oof.insert(0, "id", df["id"].values[val_idx])
oof.to_csv("oof_fold0.csv", index=False)
del model
gc.collect()
print("best AUC", best_auc)
