# expect: clean
# style: hand-written transformer with F.scaled_dot_product_attention and a helper building the boolean attention mask, music-token sequence classification
# note: a padding mask (True at padding) is built in collate, which looks like TVL010, but build_attn_mask() inverts it (~pad) so the bool mask passed to scaled_dot_product_attention is True where attention is allowed.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("music")
PAD = 0


class MidiTokens(Dataset):
    def __init__(self, n=3000, vocab=390, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.seqs = [torch.randint(1, vocab, (int(torch.randint(64, 512, (1,), generator=g)),), generator=g)
                     for _ in range(n)]
        self.composer = torch.randint(0, 8, (n,), generator=g)

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        return self.seqs[i], self.composer[i]


def collate(batch):
    seqs, y = zip(*batch)
    ids = nn.utils.rnn.pad_sequence(seqs, batch_first=True, padding_value=PAD)
    return ids, ids == PAD, torch.stack(y)


def build_attn_mask(pad_mask):
    keep = ~pad_mask
    return keep[:, None, None, :]


class MHSA(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.qkv = nn.Linear(d, 3 * d, bias=False)
        self.o = nn.Linear(d, d)

    def forward(self, x, attn_mask):
        B, T, C = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.h, C // self.h).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        return self.o(y.transpose(1, 2).reshape(B, T, C))


class Encoder(nn.Module):
    def __init__(self, vocab=390, d=192, h=6, n=4, n_classes=8, max_len=512):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        self.attn = nn.ModuleList(MHSA(d, h) for _ in range(n))
        self.ff = nn.ModuleList(nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))
                                for _ in range(n))
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(n))
        self.cls = nn.Linear(d, n_classes)

    def forward(self, ids, pad_mask):
        x = self.tok(ids) + self.pos(torch.arange(ids.size(1)))
        m = build_attn_mask(pad_mask)
        for attn, ff, norm in zip(self.attn, self.ff, self.norms):
            x = x + attn(norm(x), m)
            x = x + ff(x)
        keep = (~pad_mask).unsqueeze(-1).float()
        return self.cls((x * keep).sum(1) / keep.sum(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=6)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(MidiTokens(), batch_size=24, shuffle=True, collate_fn=collate)
    model = Encoder()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.05)
    model.train()
    for epoch in range(args.epochs):
        tot = 0.0
        for ids, pad_mask, y in loader:
            loss = F.cross_entropy(model(ids, pad_mask), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("epoch %d loss %.4f", epoch, tot / len(loader))


if __name__ == "__main__":
    main()
