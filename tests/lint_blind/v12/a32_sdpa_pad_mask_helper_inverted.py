# expect: TVL010
# style: hand-written transformer encoder with F.scaled_dot_product_attention, protein/sequence property prediction, mask helper
# bug: make_pad_mask() returns True at PAD positions (the nn.MultiheadAttention convention), but it is given to F.scaled_dot_product_attention as a boolean attn_mask, where True means "may attend"
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

AA = "ACDEFGHIKLMNPQRSTVWY"
PAD_IDX = 0


def make_pad_mask(tokens, pad_idx=PAD_IDX):
    """(B, L) -> (B, 1, 1, L) boolean mask marking padded keys."""
    return (tokens == pad_idx)[:, None, None, :]


class SelfAttention(nn.Module):
    def __init__(self, d, heads, p=0.1):
        super().__init__()
        self.h = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)
        self.p = p

    def forward(self, x, mask):
        B, L, D = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.p if self.training else 0.0)
        return self.o(y.transpose(1, 2).reshape(B, L, D))


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = SelfAttention(d, heads)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        x = x + self.attn(self.n1(x), mask)
        return x + self.ff(self.n2(x))


class ProteinRegressor(nn.Module):
    def __init__(self, d=192, heads=6, layers=6, max_len=512):
        super().__init__()
        self.emb = nn.Embedding(len(AA) + 1, d, padding_idx=PAD_IDX)
        self.pos = nn.Parameter(torch.randn(1, max_len, d) * 0.02)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(d)
        self.head = nn.Linear(d, 1)

    def forward(self, tokens):
        mask = make_pad_mask(tokens)
        x = self.emb(tokens) + self.pos[:, :tokens.size(1)]
        for blk in self.blocks:
            x = blk(x, mask)
        keep = (tokens != PAD_IDX).unsqueeze(-1).float()
        pooled = (self.norm(x) * keep).sum(1) / keep.sum(1)
        return self.head(pooled).squeeze(-1)


def fake_proteins(n, max_len=200):
    toks = torch.randint(1, len(AA) + 1, (n, max_len))
    lens = torch.randint(50, max_len, (n,))
    toks[torch.arange(max_len)[None] >= lens[:, None]] = PAD_IDX
    y = (toks == 5).float().sum(1) / lens.float()
    return TensorDataset(toks, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--warmup", type=int, default=500)
    args = ap.parse_args()

    train_dl = DataLoader(fake_proteins(4000), batch_size=32, shuffle=True)
    val_dl = DataLoader(fake_proteins(500), batch_size=64)
    model = ProteinRegressor()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    total = args.epochs * len(train_dl)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / args.warmup) * 0.5 * (1 + math.cos(math.pi * min(s / total, 1.0))))

    for ep in range(args.epochs):
        model.train()
        s = 0.0
        for toks, y in train_dl:
            loss = F.mse_loss(model(toks), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            s += loss.item()
        model.eval()
        with torch.no_grad():
            preds = torch.cat([model(t) for t, _ in val_dl])
            ys = torch.cat([y for _, y in val_dl])
            r = torch.corrcoef(torch.stack([preds, ys]))[0, 1].item()
        print(f"epoch {ep} train_mse {s / len(train_dl):.5f} val_pearson {r:.3f}")


if __name__ == "__main__":
    main()
