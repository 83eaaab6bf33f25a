# expect: TVL010
# style: sequential recommender (SASRec-like) with a helper that builds the key padding mask
# bug: make_key_padding_mask() returns (seq != PAD) -- True for real items -- and it is passed as key_padding_mask to nn.MultiheadAttention, where True means "ignore this key".
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("sasrec")
PAD = 0


def make_key_padding_mask(seq):
    """Mask of valid positions in the item history."""
    return seq != PAD


def make_causal_mask(L, device):
    return torch.triu(torch.ones(L, L, dtype=torch.bool, device=device), diagonal=1)


class HistoryDataset(Dataset):
    def __init__(self, n_users=3000, n_items=5000, max_len=50, seed=0):
        rng = np.random.default_rng(seed)
        self.max_len, self.n_items = max_len, n_items
        self.hist = [rng.integers(1, n_items + 1, rng.integers(5, 120)) for _ in range(n_users)]

    def __len__(self):
        return len(self.hist)

    def __getitem__(self, u):
        h = self.hist[u][-(self.max_len + 1):]
        seq = np.zeros(self.max_len, dtype=np.int64)
        pos = np.zeros(self.max_len, dtype=np.int64)
        seq[-(len(h) - 1):] = h[:-1]
        pos[-(len(h) - 1):] = h[1:]
        return torch.from_numpy(seq), torch.from_numpy(pos)


class SASBlock(nn.Module):
    def __init__(self, d, heads, p):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, dropout=p, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Dropout(p), nn.Linear(d, d))

    def forward(self, x, causal, kpm):
        q = self.ln1(x)
        x = x + self.attn(q, q, q, attn_mask=causal, key_padding_mask=kpm, need_weights=False)[0]
        return x + self.ff(self.ln2(x))


class SASRec(nn.Module):
    def __init__(self, n_items, d=64, heads=2, n_blocks=2, max_len=50, p=0.2):
        super().__init__()
        self.item_emb = nn.Embedding(n_items + 1, d, padding_idx=PAD)
        self.pos_emb = nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList(SASBlock(d, heads, p) for _ in range(n_blocks))
        self.drop = nn.Dropout(p)
        self.ln = nn.LayerNorm(d)

    def forward(self, seq):
        x = self.item_emb(seq) * self.item_emb.embedding_dim ** 0.5
        x = self.drop(x + self.pos_emb(torch.arange(seq.size(1), device=seq.device)))
        causal = make_causal_mask(seq.size(1), seq.device)
        kpm = make_key_padding_mask(seq)
        for b in self.blocks:
            x = b(x, causal, kpm)
        return self.ln(x)


def bpr_step(model, seq, pos, n_items):
    h = model(seq)
    neg = torch.randint(1, n_items + 1, pos.shape)
    pos_logit = (h * model.item_emb(pos)).sum(-1)
    neg_logit = (h * model.item_emb(neg)).sum(-1)
    valid = pos != PAD
    return -(F.logsigmoid(pos_logit - neg_logit) * valid).sum() / valid.sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    ds = HistoryDataset()
    loader = DataLoader(ds, batch_size=128, shuffle=True)
    model = SASRec(ds.n_items)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98))
    model.train()
    for epoch in range(args.epochs):
        tot = 0.0
        for seq, pos in loader:
            loss = bpr_step(model, seq, pos, ds.n_items)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        logger.info("epoch %d bpr loss %.4f", epoch, tot / len(loader))


if __name__ == "__main__":
    main()
