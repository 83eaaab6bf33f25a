# expect: TVL010
# style: nanoGPT-style encoder blocks using F.scaled_dot_product_attention, document classification, padding mask from collate
# bug: collate() builds `pad_mask` with True at padding positions (the nn.MultiheadAttention convention) and SelfAttention passes it straight to F.scaled_dot_product_attention as a boolean attn_mask, where True means "may attend", so every token attends only to padding.
import argparse
import logging
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("doccls")
PAD_ID = 0
MAX_LEN = 128


class Docs(Dataset):
    def __init__(self, n, vocab, seed):
        r = random.Random(seed)
        self.rows = []
        for _ in range(n):
            label = r.randrange(3)
            L = r.randint(10, MAX_LEN - 8)
            toks = [r.randrange(1 + label * (vocab // 3), (label + 1) * (vocab // 3)) if r.random() < 0.3
                    else r.randrange(1, vocab) for _ in range(L)]
            self.rows.append((toks, label))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def collate(batch):
    ids = torch.full((len(batch), MAX_LEN), PAD_ID, dtype=torch.long)
    for i, (toks, _) in enumerate(batch):
        ids[i, :len(toks)] = torch.tensor(toks)
    pad_mask = ids == PAD_ID  # (B, T), True where padded
    return {"ids": ids, "pad_mask": pad_mask, "labels": torch.tensor([y for _, y in batch])}


class SelfAttention(nn.Module):
    def __init__(self, d, n_head, dropout):
        super().__init__()
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.n_head = n_head
        self.dropout = dropout

    def forward(self, x, pad_mask):
        B, T, C = x.shape
        q, k, v = self.qkv(x).split(C, dim=2)
        q, k, v = [t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v)]
        attn_mask = pad_mask[:, None, None, :]  # broadcast over heads and queries
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class Block(nn.Module):
    def __init__(self, d, n_head, dropout=0.1):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = SelfAttention(d, n_head, dropout)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d), nn.Dropout(dropout))

    def forward(self, x, pad_mask):
        x = x + self.attn(self.ln1(x), pad_mask)
        return x + self.mlp(self.ln2(x))


class DocClassifier(nn.Module):
    def __init__(self, vocab, d=128, n_head=4, n_layer=3, n_classes=3):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=PAD_ID)
        self.pos = nn.Embedding(MAX_LEN, d)
        self.blocks = nn.ModuleList([Block(d, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, n_classes)

    def forward(self, ids, pad_mask):
        x = self.tok(ids) + self.pos(torch.arange(ids.size(1), device=ids.device))
        for blk in self.blocks:
            x = blk(x, pad_mask)
        keep = (~pad_mask).unsqueeze(-1).float()
        pooled = (self.ln_f(x) * keep).sum(1) / keep.sum(1)
        return self.head(pooled)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl = DataLoader(Docs(6000, args.vocab, 0), batch_size=32, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(Docs(600, args.vocab, 1), batch_size=64, collate_fn=collate)
    model = DocClassifier(args.vocab)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.1)
    warm = 200
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm))

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for b in train_dl:
            loss = F.cross_entropy(model(b["ids"], b["pad_mask"]), b["labels"])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            tot += loss.item()
        model.eval()
        correct = 0
        with torch.no_grad():
            for b in val_dl:
                correct += (model(b["ids"], b["pad_mask"]).argmax(-1) == b["labels"]).sum().item()
        log.info("epoch %d loss %.4f ppl %.2f val_acc %.4f", epoch, tot / len(train_dl),
                 math.exp(tot / len(train_dl)), correct / len(val_dl.dataset))


if __name__ == "__main__":
    main()
