# expect: clean
# style: HF-style batch dict with attention_mask (1 = token) converted for nn.MultiheadAttention pooling
# note: the HF attention_mask (1 = real token) is converted with `attention_mask == 0` before being passed as key_padding_mask (True = ignore), which is the correct inversion
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class ReviewDataset(Dataset):
    def __init__(self, n=2000, L=56, vocab=7000):
        self.ids = torch.randint(3, vocab, (n, L))
        lens = torch.randint(8, L, (n,))
        self.attn = (torch.arange(L)[None] < lens[:, None]).long()
        self.ids = self.ids * self.attn
        self.y = torch.randint(0, 5, (n,))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "attention_mask": self.attn[i], "labels": self.y[i]}


def to_key_padding_mask(attention_mask):
    return attention_mask == 0


class AttnPoolClassifier(nn.Module):
    def __init__(self, vocab=7000, d=128, heads=4, n_cls=5):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.conv = nn.Conv1d(d, d, 3, padding=1)
        self.query = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pool = nn.MultiheadAttention(d, heads, batch_first=True)
        self.cls = nn.Linear(d, n_cls)

    def forward(self, input_ids, attention_mask):
        h = F.gelu(self.conv(self.emb(input_ids).transpose(1, 2))).transpose(1, 2)
        q = self.query.expand(h.size(0), -1, -1)
        pooled, _ = self.pool(q, h, h, key_padding_mask=to_key_padding_mask(attention_mask))
        return self.cls(pooled.squeeze(1))


def train(model, loader, epochs=4):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for ep in range(epochs):
        model.train()
        tot = hit = seen = 0
        for b in loader:
            logits = model(b["input_ids"], b["attention_mask"])
            loss = F.cross_entropy(logits, b["labels"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(b["labels"])
            hit += (logits.argmax(-1) == b["labels"]).sum().item()
            seen += len(b["labels"])
        print(f"epoch {ep} loss {tot/seen:.4f} acc {hit/seen:.4f}")


if __name__ == "__main__":
    train(AttnPoolClassifier(), DataLoader(ReviewDataset(), batch_size=32, shuffle=True))
