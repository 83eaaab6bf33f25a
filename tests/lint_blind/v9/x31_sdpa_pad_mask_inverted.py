# expect: TVL010
# style: hand-written transformer encoder for protein sequence classification using F.scaled_dot_product_attention
# bug: make_pad_mask returns True at padding positions (the key_padding_mask convention) and that mask is passed as the boolean attn_mask of scaled_dot_product_attention, where True means "may attend".
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

AA = "ACDEFGHIKLMNPQRSTVWY"
PAD = 0


def make_pad_mask(tokens):
    """(B, T) -> (B, 1, 1, T) boolean mask, True where the token is padding."""
    return (tokens == PAD)[:, None, None, :]


class SelfAttention(nn.Module):
    def __init__(self, d, h, p=0.1):
        super().__init__()
        self.h, self.dk = h, d // h
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.p = p

    def forward(self, x, mask):
        B, T, D = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.h, self.dk).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.p if self.training else 0.0)
        return self.proj(out.transpose(1, 2).reshape(B, T, D))


class EncoderLayer(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = SelfAttention(d, h)
        self.ff = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        x = x + self.attn(self.n1(x), mask)
        return x + self.ff(self.n2(x))


class ProteinClassifier(nn.Module):
    def __init__(self, n_classes=10, d=128, h=8, L=4, max_len=512):
        super().__init__()
        self.emb = nn.Embedding(len(AA) + 1, d, padding_idx=PAD)
        pe = torch.zeros(max_len, d)
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer("pe", pe)
        self.layers = nn.ModuleList([EncoderLayer(d, h) for _ in range(L)])
        self.norm = nn.LayerNorm(d)
        self.out = nn.Linear(d, n_classes)

    def forward(self, tokens):
        mask = make_pad_mask(tokens)
        x = self.emb(tokens) + self.pe[: tokens.size(1)]
        for layer in self.layers:
            x = layer(x, mask)
        keep = (tokens != PAD).unsqueeze(-1).float()
        return self.out(self.norm((x * keep).sum(1) / keep.sum(1)))


def synthetic(n=3000, T=256):
    toks = torch.randint(1, len(AA) + 1, (n, T))
    lens = torch.randint(50, T, (n,))
    toks[torch.arange(T)[None, :] >= lens[:, None]] = PAD
    return TensorDataset(toks, torch.randint(0, 10, (n,)))


if __name__ == "__main__":
    model = ProteinClassifier()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.05)
    dl = DataLoader(synthetic(), batch_size=32, shuffle=True)
    for epoch in range(5):
        model.train()
        tot = 0.0
        for toks, y in dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(toks), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {epoch} loss {tot / len(dl):.4f}")
