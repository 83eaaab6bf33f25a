# expect: clean
# style: HF-style batch dicts with attention_mask, nn.MultiheadAttention-based cross-encoder reranker (search)
# note: the HF attention_mask (1 = real) is fed to nn.MultiheadAttention, which looks like TVL010, but it is converted with attention_mask == 0 (True = padding = ignore) in a helper before use.
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("rerank")
VOCAB, SEP, PAD = 5000, 1, 0


def to_key_padding_mask(attention_mask):
    """HF masks use 1 for tokens to keep; torch MHA wants True for positions to ignore."""
    return attention_mask == 0


class QueryDocPairs(Dataset):
    def __init__(self, n, seed):
        r = random.Random(seed)
        self.rows = []
        for _ in range(n):
            q = [r.randint(2, VOCAB - 1) for _ in range(r.randint(2, 8))]
            rel = r.random() < 0.5
            d = (q[:2] if rel else []) + [r.randint(2, VOCAB - 1) for _ in range(r.randint(10, 50))]
            r.shuffle(d)
            self.rows.append((q + [SEP] + d, float(rel)))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def collate(batch):
    L = max(len(t) for t, _ in batch)
    input_ids = torch.full((len(batch), L), PAD)
    attention_mask = torch.zeros(len(batch), L, dtype=torch.long)
    for i, (t, _) in enumerate(batch):
        input_ids[i, :len(t)] = torch.tensor(t)
        attention_mask[i, :len(t)] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": torch.tensor([y for _, y in batch])}


class CrossEncoder(nn.Module):
    def __init__(self, d=128, heads=4, layers=2):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, d, padding_idx=PAD)
        self.pos = nn.Embedding(64, d)
        self.attn = nn.ModuleList([nn.MultiheadAttention(d, heads, dropout=0.1, batch_first=True) for _ in range(layers)])
        self.ffn = nn.ModuleList([nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)) for _ in range(layers)])
        self.ln1 = nn.ModuleList([nn.LayerNorm(d) for _ in range(layers)])
        self.ln2 = nn.ModuleList([nn.LayerNorm(d) for _ in range(layers)])
        self.score = nn.Linear(d, 1)

    def forward(self, input_ids, attention_mask):
        kpm = to_key_padding_mask(attention_mask)
        h = self.emb(input_ids) + self.pos(torch.arange(input_ids.size(1)))
        for attn, ffn, ln1, ln2 in zip(self.attn, self.ffn, self.ln1, self.ln2):
            x = ln1(h)
            a, _ = attn(x, x, x, key_padding_mask=kpm, need_weights=False)
            h = h + a
            h = h + ffn(ln2(h))
        return self.score(h[:, 0]).squeeze(-1)


def main():
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(QueryDocPairs(8000, 0), batch_size=32, shuffle=True, collate_fn=collate)
    dev_dl = DataLoader(QueryDocPairs(1000, 1), batch_size=128, collate_fn=collate)
    model = CrossEncoder()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
    for epoch in range(4):
        model.train()
        tot = 0.0
        for b in train_dl:
            logits = model(b["input_ids"], b["attention_mask"])
            loss = F.binary_cross_entropy_with_logits(logits, b["labels"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        correct = 0
        with torch.no_grad():
            for b in dev_dl:
                correct += ((model(b["input_ids"], b["attention_mask"]) > 0).float() == b["labels"]).sum().item()
        logger.info("epoch %d loss %.4f dev_acc %.4f", epoch, tot / len(train_dl), correct / len(dev_dl.dataset))


if __name__ == "__main__":
    main()
