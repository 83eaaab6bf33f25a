# expect: clean
# style: decoder-only music/MIDI token model with nn.MultiheadAttention, float causal mask plus key_padding_mask from lengths
# note: the causal mask is a float -inf upper-triangular attn_mask and the padding mask marks positions >= length (True = pad), turned into -inf on padded keys, which is the polarity nn.MultiheadAttention expects
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("midi")
VOCAB, PAD = 388, 0


def causal_mask(L, device):
    return torch.triu(torch.full((L, L), float("-inf"), device=device), diagonal=1)


def pad_mask_from_lengths(lengths, L):
    return torch.arange(L, device=lengths.device)[None, :] >= lengths[:, None]


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=0.1, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim), nn.Dropout(0.1))

    def forward(self, x, attn_mask, kpm):
        h = self.ln1(x)
        a, _ = self.attn(h, h, h, attn_mask=attn_mask, key_padding_mask=kpm, need_weights=False)
        x = x + a
        return x + self.ff(self.ln2(x))


class MusicLM(nn.Module):
    def __init__(self, dim=256, heads=8, depth=4, max_len=512):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, dim, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, dim)
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, VOCAB)

    def forward(self, x, lengths):
        L = x.size(1)
        h = self.tok(x) + self.pos(torch.arange(L, device=x.device))
        am = causal_mask(L, x.device)
        is_pad = pad_mask_from_lengths(lengths, L)
        # same dtype as attn_mask (mixing bool and float masks is deprecated): -inf on padded keys
        kpm = torch.zeros(is_pad.shape, device=x.device).masked_fill(is_pad, float("-inf"))
        for b in self.blocks:
            h = b(h, am, kpm)
        return self.head(self.ln(h))


class Performances(Dataset):
    def __init__(self, n, L=256):
        self.lengths = torch.randint(64, L + 1, (n,))
        self.data = torch.randint(1, VOCAB, (n, L))
        self.data[torch.arange(L)[None] >= self.lengths[:, None]] = PAD

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i], self.lengths[i]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = MusicLM().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=3e-4, betas=(0.9, 0.98))
    loader = DataLoader(Performances(4000), batch_size=16, shuffle=True)
    for ep in range(args.epochs):
        model.train()
        tot = 0.0
        for seq, lengths in loader:
            seq, lengths = seq.to(dev), lengths.to(dev)
            inp, tgt = seq[:, :-1], seq[:, 1:]
            logits = model(inp, (lengths - 1).clamp(min=1))
            loss = F.cross_entropy(logits.reshape(-1, VOCAB), tgt.reshape(-1), ignore_index=PAD)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item()
        log.info("epoch %d loss %.4f ppl %.2f", ep, tot / len(loader), math.exp(tot / len(loader)))
    torch.save(model.state_dict(), "music_lm.pt")


if __name__ == "__main__":
    main()
