# expect: clean
# style: hand-written transformer encoder for clinical-note classification using F.scaled_dot_product_attention with a boolean mask
# note: a boolean padding mask is passed to scaled_dot_product_attention, where inversion bugs are common; here the mask is built from attention_mask.bool() (True = real token), which is SDPA's "True = may attend" convention, combined with a causal-free encoder
import argparse
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

PAD = 0


class Notes(Dataset):
    def __init__(self, n, vocab, seed, max_len=160):
        rnd = random.Random(seed)
        self.rows = []
        for _ in range(n):
            L = rnd.randint(10, max_len)
            ids = [rnd.randint(5, vocab - 1) for _ in range(L)]
            y = int(any(t % 97 == 0 for t in ids[:20]))
            self.rows.append((ids, y))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def collate(batch):
    L = max(len(x) for x, _ in batch)
    ids = torch.zeros(len(batch), L, dtype=torch.long)
    attention_mask = torch.zeros(len(batch), L, dtype=torch.long)
    for k, (x, _) in enumerate(batch):
        ids[k, : len(x)] = torch.tensor(x)
        attention_mask[k, : len(x)] = 1
    return ids, attention_mask, torch.tensor([y for _, y in batch], dtype=torch.float32)


class SelfAttention(nn.Module):
    def __init__(self, d, heads, dropout):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.o = nn.Linear(d, d)
        self.dropout = dropout

    def forward(self, x, keep):
        B, L, D = x.shape
        q, k, v = self.qkv(x).reshape(B, L, 3, self.heads, D // self.heads).unbind(2)
        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=keep, dropout_p=self.dropout if self.training else 0.0)
        return self.o(y.transpose(1, 2).reshape(B, L, D))


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, dropout=0.1):
        super().__init__()
        self.attn = SelfAttention(d, heads, dropout)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Dropout(dropout), nn.Linear(4 * d, d))

    def forward(self, x, keep):
        x = x + self.attn(self.ln1(x), keep)
        return x + self.ff(self.ln2(x))


class NoteClassifier(nn.Module):
    def __init__(self, vocab, d=128, heads=4, depth=3, max_len=512):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        self.layers = nn.ModuleList([EncoderLayer(d, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(d)
        self.out = nn.Linear(d, 1)

    def forward(self, ids, attention_mask):
        keep = attention_mask.bool()[:, None, None, :]
        x = self.emb(ids) + self.pos(torch.arange(ids.size(1), device=ids.device))
        for layer in self.layers:
            x = layer(x, keep)
        m = attention_mask.unsqueeze(-1).float()
        pooled = (self.norm(x) * m).sum(1) / m.sum(1)
        return self.out(pooled).squeeze(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=6000)
    ap.add_argument("--epochs", type=int, default=6)
    args = ap.parse_args()
    torch.manual_seed(0)
    train_dl = DataLoader(Notes(8000, args.vocab, 0), batch_size=32, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(Notes(800, args.vocab, 1), batch_size=128, collate_fn=collate)
    model = NoteClassifier(args.vocab)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for ids, am, y in train_dl:
            loss = F.binary_cross_entropy_with_logits(model(ids, am), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        correct = 0
        with torch.no_grad():
            for ids, am, y in val_dl:
                correct += ((model(ids, am) > 0).float() == y).sum().item()
        print(f"epoch {epoch} loss {tot / len(train_dl):.4f} val_acc {correct / len(val_dl.dataset):.4f} "
              f"(ppl-ish {math.exp(tot / len(train_dl)):.3f})")
    torch.save(model.state_dict(), "note_cls.pt")


if __name__ == "__main__":
    main()
