# expect: clean
# style: Kaggle NLP kernel with a HF-style attention_mask (1 = token) fed to nn.MultiheadAttention, cross-attention from label queries
# note: key_padding_mask is built as ~attention_mask.bool() (True = padding, as nn.MultiheadAttention expects); label-query cross-attention pooling
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CFG = dict(vocab=50265, max_len=96, dim=192, heads=6, n_labels=28, lr=3e-4, epochs=5, bs=32)


class GoEmotionsLike(Dataset):
    def __init__(self, n):
        self.lens = torch.randint(8, CFG["max_len"] + 1, (n,))
        self.targets = (torch.rand(n, CFG["n_labels"]) > 0.9).float()

    def __len__(self):
        return len(self.lens)

    def __getitem__(self, i):
        ids = torch.ones(CFG["max_len"], dtype=torch.long)
        ids[: self.lens[i]] = torch.randint(3, CFG["vocab"], (int(self.lens[i]),))
        attention_mask = (torch.arange(CFG["max_len"]) < self.lens[i]).long()
        return ids, attention_mask, self.targets[i]


def key_padding_from_attention_mask(attention_mask):
    return ~attention_mask.bool()


class LabelAttentionClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(CFG["vocab"], CFG["dim"], padding_idx=1)
        self.ctx = nn.LSTM(CFG["dim"], CFG["dim"] // 2, batch_first=True, bidirectional=True)
        self.label_queries = nn.Parameter(torch.randn(CFG["n_labels"], CFG["dim"]) * 0.02)
        self.cross = nn.MultiheadAttention(CFG["dim"], CFG["heads"], batch_first=True, dropout=0.1)
        self.score = nn.Linear(CFG["dim"], 1)

    def forward(self, ids, attention_mask):
        h, _ = self.ctx(self.emb(ids))
        q = self.label_queries.unsqueeze(0).expand(ids.size(0), -1, -1)
        out, _ = self.cross(q, h, h, key_padding_mask=key_padding_from_attention_mask(attention_mask))
        return self.score(out).squeeze(-1)


model = LabelAttentionClassifier()
optimizer = torch.optim.AdamW(model.parameters(), lr=CFG["lr"])
train_dl = DataLoader(GoEmotionsLike(4000), batch_size=CFG["bs"], shuffle=True, drop_last=True)
valid_dl = DataLoader(GoEmotionsLike(600), batch_size=CFG["bs"] * 4)

for epoch in range(CFG["epochs"]):
    model.train()
    for ids, am, y in train_dl:
        loss = F.binary_cross_entropy_with_logits(model(ids, am), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    tp = fp = fn = 0
    with torch.no_grad():
        for ids, am, y in valid_dl:
            pred = (torch.sigmoid(model(ids, am)) > 0.5).float()
            tp += (pred * y).sum().item()
            fp += (pred * (1 - y)).sum().item()
            fn += ((1 - pred) * y).sum().item()
    print(f"epoch {epoch}: loss {loss.item():.4f} micro-F1 {2 * tp / max(2 * tp + fp + fn, 1):.4f}")
