# expect: clean
# style: Kaggle kernel, text regression (readability score) submission with pandas
# note: the test DataLoader has shuffle=True (copied from the train loader), but the dataset returns each row's id with its inputs and the submission is built from the ids collected batch by batch, so predictions stay paired with the right ids.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

VOCAB, SEQ = 20000, 128
rng = np.random.default_rng(0)
train_df = pd.DataFrame({"id": [f"tr{i}" for i in range(2800)], "target": rng.normal(-1, 1, 2800)})
test_df = pd.DataFrame({"id": [f"te{i}" for i in range(700)]})
train_tokens = rng.integers(1, VOCAB, (2800, SEQ))
test_tokens = rng.integers(1, VOCAB, (700, SEQ))


class ExcerptDataset(Dataset):
    def __init__(self, df, tokens, with_target):
        self.ids = df["id"].tolist()
        self.tokens = torch.as_tensor(tokens)
        self.target = torch.tensor(df["target"].values, dtype=torch.float32) if with_target else None

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        item = {"id": self.ids[i], "input_ids": self.tokens[i]}
        if self.target is not None:
            item["target"] = self.target[i]
        return item


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, 128)
        self.rnn = nn.LSTM(128, 128, batch_first=True, bidirectional=True)
        self.head = nn.Linear(256, 1)

    def forward(self, ids):
        h, _ = self.rnn(self.emb(ids))
        return self.head(h.mean(1)).squeeze(-1)


train_loader = DataLoader(ExcerptDataset(train_df, train_tokens, True), batch_size=32, shuffle=True)
test_loader = DataLoader(ExcerptDataset(test_df, test_tokens, False), batch_size=64, shuffle=True)
model = Regressor()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

for epoch in range(5):
    model.train()
    se = 0.0
    for batch in train_loader:
        optimizer.zero_grad()
        pred = model(batch["input_ids"])
        loss = F.mse_loss(pred, batch["target"])
        loss.backward()
        optimizer.step()
        se += loss.item() * len(pred)
    print(f"epoch {epoch} train rmse {np.sqrt(se / len(train_df)):.4f}")

model.eval()
ids, preds = [], []
with torch.no_grad():
    for batch in test_loader:
        ids.extend(batch["id"])
        preds.extend(model(batch["input_ids"]).tolist())
submission = pd.DataFrame({"id": ids, "target": preds})
submission = test_df[["id"]].merge(submission, on="id", how="left")
submission.to_csv("submission.csv", index=False)
print(submission.head(), submission["target"].isna().sum())
