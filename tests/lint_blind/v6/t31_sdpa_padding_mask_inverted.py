# expect: TVL010
# style: nanoGPT-like custom attention module with a mask helper, protein/sequence classification
# bug: padding_mask() returns True at padded positions, and SelfAttention passes it straight as the boolean attn_mask of F.scaled_dot_product_attention, where True means "may attend".
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

PAD = 0
AMINO = 25


def padding_mask(tokens):
    """(B, L) -> (B, 1, 1, L) boolean mask marking the padded keys."""
    return (tokens == PAD)[:, None, None, :]


class SelfAttention(nn.Module):
    def __init__(self, dim, heads, dropout=0.1):
        super().__init__()
        self.h = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.o = nn.Linear(dim, dim)
        self.p = dropout

    def forward(self, x, mask):
        B, L, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=-1)
        q, k, v = (t.view(B, L, self.h, D // self.h).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=self.p if self.training else 0.0)
        return self.o(y.transpose(1, 2).reshape(B, L, D))


class Layer(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.n1, self.n2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.ff = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x, mask):
        x = x + self.attn(self.n1(x), mask)
        return x + self.ff(self.n2(x))


class ProteinClassifier(nn.Module):
    def __init__(self, dim=128, depth=4, heads=4, n_cls=10, max_len=256):
        super().__init__()
        self.tok = nn.Embedding(AMINO, dim, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, dim)
        self.layers = nn.ModuleList([Layer(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, n_cls)

    def forward(self, tokens):
        mask = padding_mask(tokens)
        x = self.tok(tokens) + self.pos(torch.arange(tokens.size(1), device=tokens.device))
        for layer in self.layers:
            x = layer(x, mask)
        keep = (tokens != PAD).unsqueeze(-1).float()
        pooled = (self.norm(x) * keep).sum(1) / keep.sum(1).clamp(min=1)
        return self.head(pooled)


def synthetic(n=3000, max_len=256):
    toks = torch.randint(1, AMINO, (n, max_len))
    lens = torch.randint(50, max_len + 1, (n,))
    toks[torch.arange(max_len)[None] >= lens[:, None]] = PAD
    return TensorDataset(toks, torch.randint(0, 10, (n,)))


if __name__ == "__main__":
    loader = DataLoader(synthetic(), batch_size=32, shuffle=True)
    model = ProteinClassifier()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
    for epoch in range(5):
        model.train()
        for i, (toks, y) in enumerate(loader):
            loss = F.cross_entropy(model(toks), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if i % 20 == 0:
                print(f"epoch {epoch} it {i} loss {loss.item():.4f} ppl-ish {math.exp(loss.item()):.2f}")
