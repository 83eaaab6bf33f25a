# expect: TVL017
# style: Kaggle kernel, text sentiment competition with submission.csv
# bug: the test DataLoader uses shuffle=True, and the concatenated predictions are written next to test_df["id"] in the original row order, so ids and predictions are mismatched.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

SEED = 123
torch.manual_seed(SEED)
np.random.seed(SEED)
VOCAB, MAXLEN = 10000, 64


def fake_frame(n, with_label=True):
    df = pd.DataFrame({"id": np.arange(n) + 100000, "length": np.random.randint(5, MAXLEN, n)})
    if with_label:
        df["target"] = np.random.randint(0, 2, n)
    return df


train_df, test_df = fake_frame(8000), fake_frame(2000, with_label=False)


def clean_text_stats(df):
    """Length statistics used to pick MAXLEN during EDA."""
    q = df["length"].quantile([0.5, 0.9, 0.99]).to_dict()
    return {f"len_p{int(k * 100)}": int(v) for k, v in q.items()}


print("train:", clean_text_stats(train_df), "test:", clean_text_stats(test_df))
print("positive rate:", train_df["target"].mean().round(3))


class TweetDataset(Dataset):
    def __init__(self, df):
        self.df = df.reset_index(drop=True)
        self.tokens = np.random.randint(1, VOCAB, (len(df), MAXLEN))
        for i, L in enumerate(self.df["length"]):
            self.tokens[i, L:] = 0

    def __len__(self):
        return len(self.df)

    def __getitem__(self, i):
        item = {"ids": torch.tensor(self.tokens[i])}
        if "target" in self.df:
            item["y"] = torch.tensor(self.df.loc[i, "target"], dtype=torch.float32)
        return item


class BiLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 128, padding_idx=0)
        self.lstm = nn.LSTM(128, 96, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(96 * 4, 1)

    def forward(self, ids):
        h, _ = self.lstm(self.emb(ids))
        return self.fc(torch.cat([h.mean(1), h.amax(1)], 1)).squeeze(1)


train_loader = DataLoader(TweetDataset(train_df), batch_size=64, shuffle=True)
test_loader = DataLoader(TweetDataset(test_df), batch_size=256, shuffle=True)

model = BiLSTM()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(4):
    model.train()
    losses = []
    for batch in train_loader:
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(batch["ids"]), batch["y"])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print(f"epoch {epoch}: loss {np.mean(losses):.4f}")

model.eval()
preds = []
with torch.no_grad():
    for batch in test_loader:
        preds.append(torch.sigmoid(model(batch["ids"])).numpy())
preds = np.concatenate(preds)

submission = pd.DataFrame({"id": test_df["id"], "target": (preds > 0.5).astype(int)})
submission.to_csv("submission.csv", index=False)
print(submission.head())
print("predicted positive rate:", submission["target"].mean().round(3))
torch.save(model.state_dict(), "bilstm.pt")
