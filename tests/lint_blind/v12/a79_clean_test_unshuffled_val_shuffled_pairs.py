# expect: clean
# style: Kaggle kernel (tweet disaster classification) with a loader factory; test loader unshuffled for submission, validation loader shuffled but scored per batch
# note: the validation loader is shuffled, but its F1 is computed from (pred, label) pairs that travel together in each batch; the test loader, whose predictions are paired with test_df ids, is not shuffled
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

SEED = 1
np.random.seed(SEED)
torch.manual_seed(SEED)
VOCAB, MAXLEN = 15000, 40

train_df = pd.DataFrame({"id": np.arange(7600), "target": np.random.randint(0, 2, 7600)})
test_df = pd.DataFrame({"id": np.arange(10000, 13263)})
TOKENS = {i: np.random.randint(1, VOCAB, np.random.randint(5, MAXLEN)) for i in list(train_df.id) + list(test_df.id)}


class TweetDS(Dataset):
    def __init__(self, df):
        self.ids = df["id"].values
        self.y = df["target"].values if "target" in df else np.zeros(len(df), dtype=int)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        t = np.zeros(MAXLEN, dtype=np.int64)
        toks = TOKENS[self.ids[i]][:MAXLEN]
        t[:len(toks)] = toks
        return torch.from_numpy(t), int(self.y[i])


def get_loader(df, bs, shuffle):
    return DataLoader(TweetDS(df), batch_size=bs, shuffle=shuffle, num_workers=2)


class CNNText(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 128, padding_idx=0)
        self.conv = nn.Conv1d(128, 128, 5, padding=2)
        self.fc = nn.Linear(128, 2)

    def forward(self, x):
        h = F.relu(self.conv(self.emb(x).transpose(1, 2)))
        return self.fc(h.max(-1).values)


val_mask = np.random.rand(len(train_df)) < 0.15
train_loader = get_loader(train_df[~val_mask], 64, shuffle=True)
val_loader = get_loader(train_df[val_mask], 256, shuffle=True)
test_loader = get_loader(test_df, 256, shuffle=False)

model = CNNText()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)

for epoch in range(6):
    model.train()
    tl = 0.0
    for x, y in train_loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        tl += loss.item()
    model.eval()
    tp = fp = fn = 0
    with torch.no_grad():
        for x, y in val_loader:
            p = model(x).argmax(1)
            tp += ((p == 1) & (y == 1)).sum().item()
            fp += ((p == 1) & (y == 0)).sum().item()
            fn += ((p == 0) & (y == 1)).sum().item()
    print(f"epoch {epoch} loss {tl / len(train_loader):.4f} val F1 {2 * tp / max(2 * tp + fp + fn, 1):.4f}")

model.eval()
preds = []
with torch.no_grad():
    for x, _ in test_loader:
        preds.append(model(x).argmax(1).numpy())
sub = pd.DataFrame({"id": test_df["id"], "target": np.concatenate(preds)})
sub.to_csv("submission.csv", index=False)
print(sub.target.mean())
