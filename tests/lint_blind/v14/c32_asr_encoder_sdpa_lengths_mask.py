# expect: TVL010
# style: speech recognition (CTC) conformer-lite, mask built by a util function in another module section
# bug: make_pad_mask() returns True at padded frames (ESPnet convention) and SelfAttention passes it straight to scaled_dot_product_attention, where True means "may attend"
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("asr")


# ---------------------------------------------------------------- utils/mask.py
def make_pad_mask(lengths, max_len=None):
    """Return a bool mask that is True on padded frames, shape (B, T)."""
    max_len = max_len or int(lengths.max())
    ar = torch.arange(max_len, device=lengths.device)
    return ar[None, :] >= lengths[:, None]


# ---------------------------------------------------------------- nets/attention.py
class SelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, dropout=0.1):
        super().__init__()
        self.h = n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.out = nn.Linear(d_model, d_model)
        self.dropout = dropout

    def forward(self, x, pad_mask):
        B, T, D = x.shape
        q, k, v = self.qkv(x).chunk(3, -1)
        q, k, v = (t.view(B, T, self.h, D // self.h).transpose(1, 2) for t in (q, k, v))
        attn_mask = pad_mask[:, None, None, :]
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.out(y.transpose(1, 2).reshape(B, T, D))


class ConformerLiteBlock(nn.Module):
    def __init__(self, d, heads, kernel=15):
        super().__init__()
        self.ln_att = nn.LayerNorm(d)
        self.att = SelfAttention(d, heads)
        self.ln_conv = nn.LayerNorm(d)
        self.dw = nn.Conv1d(d, d, kernel, padding=kernel // 2, groups=d)
        self.ff = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, 4 * d), nn.SiLU(), nn.Linear(4 * d, d))

    def forward(self, x, pad_mask):
        x = x + self.att(self.ln_att(x), pad_mask)
        x = x + self.dw(self.ln_conv(x).transpose(1, 2)).transpose(1, 2)
        return x + 0.5 * self.ff(x)


class CTCModel(nn.Module):
    def __init__(self, n_mels, d, heads, layers, vocab):
        super().__init__()
        self.subsample = nn.Sequential(nn.Conv1d(n_mels, d, 3, stride=2, padding=1), nn.GELU())
        self.blocks = nn.ModuleList([ConformerLiteBlock(d, heads) for _ in range(layers)])
        self.ctc_head = nn.Linear(d, vocab)

    def forward(self, feats, feat_lens):
        x = self.subsample(feats.transpose(1, 2)).transpose(1, 2)
        lens = (feat_lens + 1) // 2
        mask = make_pad_mask(lens, x.size(1))
        for blk in self.blocks:
            x = blk(x, mask)
        return self.ctc_head(x).log_softmax(-1), lens


# ---------------------------------------------------------------- data
class FakeASR(Dataset):
    def __init__(self, n, n_mels=80, vocab=32, seed=0, max_frames=400):
        g = torch.Generator().manual_seed(seed)
        self.items = []
        for _ in range(n):
            T = int(torch.randint(100, max_frames - 40, (1,), generator=g))
            U = int(torch.randint(5, T // 8, (1,), generator=g))
            self.items.append((torch.randn(T, n_mels, generator=g), torch.randint(1, vocab, (U,), generator=g)))
        self.max_frames = max_frames

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch, max_frames=400):
    feats, ys = zip(*batch)
    flens = torch.tensor([f.size(0) for f in feats])
    ylens = torch.tensor([y.size(0) for y in ys])
    x = torch.zeros(len(feats), max_frames, feats[0].size(1))
    for i, f in enumerate(feats):
        x[i, : f.size(0)] = f
    return x, flens, torch.cat(ys), ylens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--d-model", type=int, default=144)
    ap.add_argument("--layers", type=int, default=6)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl = DataLoader(FakeASR(1500, seed=0), batch_size=16, shuffle=True, collate_fn=collate)
    model = CTCModel(80, args.d_model, 4, args.layers, 32)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.98))
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, flens, ys, ylens in train_dl:
            logp, olens = model(x, flens)
            loss = ctc(logp.transpose(0, 1), ys, olens, ylens)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tot += loss.item()
        logger.info("epoch %d ctc %.3f", epoch, tot / len(train_dl))


if __name__ == "__main__":
    main()
