# expect: clean
# style: Kaggle NLP competition kernel (toxicity) whose test Dataset returns row ids with each sample
# note: the test DataLoader has shuffle=True, but each batch carries its own ids and the submission is built from those ids, so the shuffled order cannot misalign predictions.
import os
import random
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


seed_everything(int(os.environ.get("SEED", 42)))

VOCAB, MAXLEN = 30000, 120
rng = np.random.default_rng(11)
train_df = pd.DataFrame({"id": np.arange(8000), "toxic": rng.integers(0, 2, 8000)})
test_df = pd.DataFrame({"id": [f"t{i:05d}" for i in range(2000)]})


class CommentDS(Dataset):
    def __init__(self, df, with_labels):
        self.df = df.reset_index(drop=True)
        self.tokens = torch.from_numpy(rng.integers(1, VOCAB, (len(df), MAXLEN)))
        self.with_labels = with_labels

    def __len__(self):
        return len(self.df)

    def __getitem__(self, i):
        item = {"ids": self.tokens[i], "row_id": self.df.loc[i, "id"]}
        if self.with_labels:
            item["y"] = torch.tensor(self.df.loc[i, "toxic"], dtype=torch.float32)
        return item


class BiGRUPool(nn.Module):
    def __init__(self, d=128):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, d, padding_idx=0)
        self.gru = nn.GRU(d, d, batch_first=True, bidirectional=True)
        self.out = nn.Linear(4 * d, 1)

    def forward(self, ids):
        h, _ = self.gru(self.emb(ids))
        return self.out(torch.cat([h.mean(1), h.max(1).values], -1)).squeeze(-1)


train_dl = DataLoader(CommentDS(train_df, True), batch_size=64, shuffle=True)
test_dl = DataLoader(CommentDS(test_df, False), batch_size=256, shuffle=True)

model = BiGRUPool()
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(3):
    model.train()
    losses = []
    for batch in train_dl:
        opt.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(batch["ids"]), batch["y"])
        loss.backward()
        opt.step()
        losses.append(loss.item())
    print(f"epoch {epoch} bce {np.mean(losses):.4f}")

model.eval()
rows = []
with torch.no_grad():
    for batch in test_dl:
        p = torch.sigmoid(model(batch["ids"])).numpy()
        rows.extend(zip(batch["row_id"], p))
sub = pd.DataFrame(rows, columns=["id", "toxic"])
sub = test_df[["id"]].merge(sub, on="id", how="left")
assert sub["toxic"].notna().all()
sub.to_csv("submission.csv", index=False)
