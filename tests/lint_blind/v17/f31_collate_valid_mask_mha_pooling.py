# expect: TVL010
# style: set/sequence pooling for session-based recommendation, collate_fn builds masks consumed in a model method
# bug: collate_sessions builds `valid = items != PAD` (True = real item) and SessionEncoder passes it as key_padding_mask to nn.MultiheadAttention, where True means "ignore".
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

PAD = 0
log = logging.getLogger("sessrec")


class Sessions(Dataset):
    def __init__(self, n, n_items, max_len=30, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.data = []
        for _ in range(n):
            L = int(torch.randint(2, max_len - 2, (1,), generator=g))
            seq = torch.randint(1, n_items, (L + 1,), generator=g)
            self.data.append((seq[:-1], seq[-1]))
        self.max_len = max_len

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]


def collate_sessions(batch, max_len=30):
    items = torch.full((len(batch), max_len), PAD, dtype=torch.long)
    for r, (seq, _) in enumerate(batch):
        items[r, -len(seq):] = seq  # left padding
    valid = items != PAD
    targets = torch.stack([t for _, t in batch])
    return items, valid, targets


class SessionEncoder(nn.Module):
    def __init__(self, n_items, d=64, heads=2):
        super().__init__()
        self.item_emb = nn.Embedding(n_items, d, padding_idx=PAD)
        self.pos_emb = nn.Embedding(64, d)
        self.query = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.attn = nn.MultiheadAttention(d, heads, dropout=0.1, batch_first=True)
        self.norm = nn.LayerNorm(d)

    def encode(self, items, valid):
        pos = torch.arange(items.size(1), device=items.device)
        x = self.item_emb(items) + self.pos_emb(pos)
        q = self.query.expand(items.size(0), -1, -1)
        pooled, _ = self.attn(q, x, x, key_padding_mask=valid)
        return self.norm(pooled.squeeze(1))

    def forward(self, items, valid):
        h = self.encode(items, valid)
        return h @ self.item_emb.weight.t()


def recall_mrr(logits, targets, k=20):
    topk = logits.topk(k, dim=-1).indices
    hit = topk == targets[:, None]
    recall = hit.any(1).float().mean().item()
    ranks = hit.float().argmax(1) + 1
    mrr = (hit.any(1).float() / ranks.float()).mean().item()
    return recall, mrr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(Sessions(30000, args.items), batch_size=256, shuffle=True, collate_fn=collate_sessions)
    test_dl = DataLoader(Sessions(3000, args.items, seed=1), batch_size=512, collate_fn=collate_sessions)
    model = SessionEncoder(args.items)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for items, valid, tgt in train_dl:
            loss = F.cross_entropy(model(items, valid), tgt)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        rs, ms = [], []
        with torch.no_grad():
            for items, valid, tgt in test_dl:
                r, m = recall_mrr(model(items, valid), tgt)
                rs.append(r); ms.append(m)
        log.info("epoch %d loss %.4f R@20 %.4f MRR@20 %.4f", epoch, tot / len(train_dl),
                 sum(rs) / len(rs), sum(ms) / len(ms))


if __name__ == "__main__":
    main()
