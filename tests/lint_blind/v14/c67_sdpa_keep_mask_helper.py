# expect: clean
# style: decoder-only recommender (SASRec-like) with SDPA, mask built by a helper that returns "allowed" positions
# note: the padding mask is built as True-on-padding and then combined for scaled_dot_product_attention, but build_attn_mask() inverts it (~pad) and ANDs it with the causal mask, so True means "may attend"
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("sasrec")


def build_attn_mask(item_seq, pad_id=0):
    """Boolean (B, 1, T, T) mask for SDPA: True where attention is allowed."""
    B, T = item_seq.shape
    is_pad = item_seq == pad_id
    causal = torch.ones(T, T, dtype=torch.bool, device=item_seq.device).tril()
    keep = ~is_pad[:, None, None, :] & causal[None, None]
    keep |= torch.eye(T, dtype=torch.bool, device=item_seq.device)[None, None]   # every query sees itself
    return keep


class CausalBlock(nn.Module):
    def __init__(self, d, heads, p):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Dropout(p), nn.Linear(2 * d, d))
        self.p = p

    def forward(self, x, mask):
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.heads, D // self.heads).unbind(2)
        y = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), attn_mask=mask,
                                           dropout_p=self.p if self.training else 0.0)
        x = x + self.proj(y.transpose(1, 2).reshape(B, T, D))
        return x + self.ff(self.ln2(x))


class SASRec(nn.Module):
    def __init__(self, n_items, d=64, layers=2, heads=2, max_len=50, p=0.2):
        super().__init__()
        self.item = nn.Embedding(n_items + 1, d, padding_idx=0)
        self.pos = nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList([CausalBlock(d, heads, p) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)

    def forward(self, seq):
        mask = build_attn_mask(seq)
        x = self.item(seq) + self.pos(torch.arange(seq.size(1), device=seq.device))
        for b in self.blocks:
            x = b(x, mask)
        return self.ln(x)


class UserSequences(Dataset):
    def __init__(self, n_users, n_items, max_len=50, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.seqs = torch.zeros(n_users, max_len + 1, dtype=torch.long)
        for u in range(n_users):
            L = int(torch.randint(5, max_len + 1, (1,), generator=g))
            start = int(torch.randint(1, n_items - L, (1,), generator=g))
            self.seqs[u, -L:] = torch.arange(start, start + L)       # left-padded
        self.n_items = n_items

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, u):
        s = self.seqs[u]
        return s[:-1], s[1:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=30)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(UserSequences(6000, args.items), batch_size=128, shuffle=True)
    model = SASRec(args.items)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98))
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for inp, pos in loader:
            h = model(inp)
            neg = torch.randint(1, args.items + 1, pos.shape)
            pos_logit = (h * model.item(pos)).sum(-1)
            neg_logit = (h * model.item(neg)).sum(-1)
            valid = pos != 0
            loss = (F.binary_cross_entropy_with_logits(pos_logit[valid], torch.ones_like(pos_logit[valid]))
                    + F.binary_cross_entropy_with_logits(neg_logit[valid], torch.zeros_like(neg_logit[valid])))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("epoch %d bpr-ish loss %.4f", epoch, tot / len(loader))


if __name__ == "__main__":
    main()
