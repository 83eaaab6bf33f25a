# expect: clean
# style: nanoGPT-like bidirectional encoder with hand-written attention (F.scaled_dot_product_attention), DNA sequence classification
# note: a boolean attn_mask is built in a helper and passed to scaled_dot_product_attention; it is True at real tokens (ids != PAD), which is SDPA's "may attend" convention.
import argparse
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

BASES = "ACGT"
PAD = 0
MAX_LEN = 200


class Promoters(Dataset):
    def __init__(self, n, seed=0):
        rnd = random.Random(seed)
        self.items = []
        for _ in range(n):
            L = rnd.randint(60, MAX_LEN)
            s = [rnd.choice(BASES) for _ in range(L)]
            y = rnd.random() < 0.5
            if y:
                p = rnd.randrange(L - 6)
                s[p:p + 6] = list("TATAAT")
            self.items.append(("".join(s), int(y)))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        s, y = self.items[i]
        ids = torch.zeros(MAX_LEN, dtype=torch.long)
        ids[:len(s)] = torch.tensor([BASES.index(c) + 1 for c in s])
        return ids, y


def keep_mask(ids):
    """(B, 1, 1, T) boolean, True where attention is allowed."""
    return (ids != PAD)[:, None, None, :]


class Attention(nn.Module):
    def __init__(self, d, h, p):
        super().__init__()
        self.qkv, self.o, self.h, self.p = nn.Linear(d, 3 * d), nn.Linear(d, d), h, p

    def forward(self, x, mask):
        B, T, C = x.shape
        q, k, v = (t.view(B, T, self.h, C // self.h).transpose(1, 2) for t in self.qkv(x).chunk(3, -1))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.p if self.training else 0.0)
        return self.o(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, d, h, p=0.1):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.att = Attention(d, h, p)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Dropout(p), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        x = x + self.att(self.n1(x), mask)
        return x + self.ff(self.n2(x))


class DNAEncoder(nn.Module):
    def __init__(self, d=96, h=4, n=3):
        super().__init__()
        self.emb = nn.Embedding(5, d, padding_idx=PAD)
        self.pos = nn.Embedding(MAX_LEN, d)
        self.blocks = nn.ModuleList([Block(d, h) for _ in range(n)])
        self.norm = nn.LayerNorm(d)
        self.cls = nn.Linear(d, 2)

    def forward(self, ids):
        mask = keep_mask(ids)
        x = self.emb(ids) + self.pos(torch.arange(ids.size(1), device=ids.device))
        for b in self.blocks:
            x = b(x, mask)
        w = (ids != PAD).float().unsqueeze(-1)
        return self.cls((self.norm(x) * w).sum(1) / w.sum(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    torch.manual_seed(0)
    train_dl = DataLoader(Promoters(6000), batch_size=64, shuffle=True)
    val_dl = DataLoader(Promoters(1000, seed=1), batch_size=256)
    model = DNAEncoder()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for ids, y in train_dl:
            loss = F.cross_entropy(model(ids), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            hit = sum((model(ids).argmax(-1) == y).sum().item() for ids, y in val_dl)
        print(f"epoch {epoch} loss {tot / len(train_dl):.4f} val_acc {hit / len(val_dl.dataset):.4f}")


if __name__ == "__main__":
    main()
