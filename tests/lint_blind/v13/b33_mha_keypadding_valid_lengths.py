# expect: TVL010
# style: session-based recommender (SASRec-like) with nn.MultiheadAttention and a lengths->mask utility
# bug: lengths_to_mask returns True for valid positions (arange < length) and it is passed as key_padding_mask, where True means "ignore this key"
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("sasrec")


def lengths_to_mask(lengths, max_len):
    """Return a (B, max_len) boolean mask of the positions that hold items."""
    return torch.arange(max_len, device=lengths.device)[None, :] < lengths[:, None]


class SessionData(Dataset):
    def __init__(self, n, n_items, max_len=50, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.lengths = torch.randint(2, max_len, (n,), generator=g)
        self.seqs = torch.zeros(n, max_len, dtype=torch.long)
        for i, L in enumerate(self.lengths.tolist()):
            self.seqs[i, :L] = torch.randint(1, n_items, (L,), generator=g)
        self.max_len = max_len

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        L = int(self.lengths[i])
        inp = self.seqs[i].clone()
        target = inp[L - 1].clone()
        inp[L - 1] = 0
        return inp, torch.tensor(L - 1), target


class SASRecBlock(nn.Module):
    def __init__(self, dim, heads, dropout):
        super().__init__()
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.ffn = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Dropout(dropout), nn.Linear(dim, dim))

    def forward(self, x, causal, key_mask):
        h = self.ln1(x)
        a, _ = self.attn(h, h, h, attn_mask=causal, key_padding_mask=key_mask, need_weights=False)
        x = x + a
        return x + self.ffn(self.ln2(x))


class SASRec(nn.Module):
    def __init__(self, n_items, dim=64, heads=2, layers=2, max_len=50, dropout=0.2):
        super().__init__()
        self.item_emb = nn.Embedding(n_items, dim, padding_idx=0)
        self.pos_emb = nn.Embedding(max_len, dim)
        self.blocks = nn.ModuleList([SASRecBlock(dim, heads, dropout) for _ in range(layers)])
        self.ln = nn.LayerNorm(dim)
        self.max_len = max_len

    def forward(self, seqs, lengths):
        L = seqs.size(1)
        x = self.item_emb(seqs) + self.pos_emb(torch.arange(L, device=seqs.device))
        causal = torch.triu(torch.ones(L, L, dtype=torch.bool, device=seqs.device), diagonal=1)
        key_mask = lengths_to_mask(lengths, L)
        for blk in self.blocks:
            x = blk(x, causal, key_mask)
        x = self.ln(x)
        last = x[torch.arange(x.size(0)), (lengths - 1).clamp(min=0)]
        return last @ self.item_emb.weight.t()


def hit_rate_at_k(scores, target, k=10):
    return (scores.topk(k, -1).indices == target[:, None]).any(-1).float().mean().item()


def main(n_items=5000, epochs=10):
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = SASRec(n_items).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_dl = DataLoader(SessionData(20000, n_items, seed=0), batch_size=128, shuffle=True)
    val_dl = DataLoader(SessionData(2000, n_items, seed=1), batch_size=512)
    for ep in range(epochs):
        model.train()
        tot = 0.0
        for seqs, lengths, target in train_dl:
            seqs, lengths, target = seqs.to(dev), lengths.to(dev), target.to(dev)
            loss = F.cross_entropy(model(seqs, lengths), target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            hr = [hit_rate_at_k(model(s.to(dev), l.to(dev)), t.to(dev)) for s, l, t in val_dl]
        logger.info("epoch %d loss %.4f HR@10 %.4f", ep, tot / len(train_dl), sum(hr) / len(hr))


if __name__ == "__main__":
    main()
