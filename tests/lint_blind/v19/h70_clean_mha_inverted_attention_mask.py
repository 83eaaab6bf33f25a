# expect: clean
# style: session-based recommender (SASRec-like) with an HF-style attention_mask built in the collate function
# note: the collate builds attention_mask with 1 = real item (TVL010 look-alike), and the model converts it correctly with `~attention_mask.bool()` before passing it as key_padding_mask (True = ignore)
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("sasrec")
PAD = 0


class Sessions(Dataset):
    def __init__(self, n, n_items, max_len=50, seed=0):
        rng = np.random.default_rng(seed)
        self.seqs = []
        for _ in range(n):
            L = int(rng.integers(3, max_len + 1))
            start = int(rng.integers(1, n_items - L))
            self.seqs.append(np.arange(start, start + L) % (n_items - 1) + 1)
        self.max_len = max_len

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        s = self.seqs[i]
        return torch.from_numpy(s[:-1]).long(), int(s[-1])


def collate(batch, max_len=50):
    inp = torch.full((len(batch), max_len), PAD, dtype=torch.long)
    attention_mask = torch.zeros(len(batch), max_len, dtype=torch.long)
    for i, (s, _) in enumerate(batch):
        s = s[-max_len:]
        inp[i, : len(s)] = s          # right padding
        attention_mask[i, : len(s)] = 1
    target = torch.tensor([t for _, t in batch])
    return inp, attention_mask, target


class SASRecBlock(nn.Module):
    def __init__(self, d, heads, dropout):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, heads, dropout=dropout, batch_first=True)
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Dropout(dropout), nn.Linear(d, d))

    def forward(self, x, causal, key_padding_mask):
        h = self.ln1(x)
        a, _ = self.attn(h, h, h, attn_mask=causal, key_padding_mask=key_padding_mask, need_weights=False)
        x = x + a
        return x + self.ff(self.ln2(x))


class SASRec(nn.Module):
    def __init__(self, n_items, d=64, heads=2, layers=2, max_len=50, dropout=0.2):
        super().__init__()
        self.item = nn.Embedding(n_items, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList([SASRecBlock(d, heads, dropout) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)

    def forward(self, seq, attention_mask):
        T = seq.size(1)
        x = self.item(seq) + self.pos(torch.arange(T, device=seq.device))
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool, device=seq.device), 1)
        pad = ~attention_mask.bool()
        for b in self.blocks:
            x = b(x, causal, pad)
        last = attention_mask.sum(1) - 1  # index of the last real item in each row
        h = self.ln(x[torch.arange(x.size(0), device=x.device), last])
        return h @ self.item.weight.t()


@torch.no_grad()
def hit_rate(model, loader, device, k=10):
    model.eval()
    hits = n = 0
    for seq, am, tgt in loader:
        scores = model(seq.to(device), am.to(device))
        topk = scores.topk(k, dim=1).indices.cpu()
        hits += (topk == tgt[:, None]).any(1).sum().item()
        n += tgt.numel()
    model.train()
    return hits / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=3000)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_dl = DataLoader(Sessions(40000, args.items), batch_size=128, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(Sessions(3000, args.items, seed=1), batch_size=512, collate_fn=collate)
    model = SASRec(args.items).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98))
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for seq, am, tgt in train_dl:
            seq, am, tgt = seq.to(device), am.to(device), tgt.to(device)
            logits = model(seq, am)
            loss = F.cross_entropy(logits, tgt)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        hr = hit_rate(model, val_dl, device)
        log.info("epoch %d loss %.4f HR@10 %.4f", epoch, tot / len(train_dl), hr)
    os.makedirs("sasrec_out", exist_ok=True)
    torch.save(model.state_dict(), "sasrec_out/sasrec.pt")


if __name__ == "__main__":
    main()
