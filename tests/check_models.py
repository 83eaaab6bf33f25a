"""Small models for the preflight-check tests: each fault next to its healthy twin."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class MLP(nn.Module):
    def __init__(self, features: int = 24, out: int = 1, hidden: int = 64, dropout: float = 0.0):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(features, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, out)
        )

    def forward(self, x):
        return self.net(x)


class DetachedHead(MLP):
    """Only the bias can learn: the network's output is cut from the graph."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return self.net(x).detach() + self.bias


class ClampedHead(MLP):
    """A clamp that blocks the gradient once outputs leave ±0.05."""

    def forward(self, x):
        return self.net(x).clamp(-0.05, 0.05)


class ScaledLogits(MLP):
    def forward(self, x):
        return self.net(x) * 100


class BatchNormMLP(nn.Module):
    def __init__(self, features: int = 24, out: int = 3):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(features, 32),
            nn.BatchNorm1d(32),
            nn.ReLU(),
            nn.Dropout(0.2),
            nn.Linear(32, out),
        )

    def forward(self, x):
        return self.net(x)


class SeqPool(nn.Module):
    """(N, T, F) → (N, out), pooling over time; `swap=True` uses a view where a transpose was
    meant, mixing the batch."""

    def __init__(self, features: int = 6, out: int = 2, swap: bool = False):
        super().__init__()
        self.inp = nn.Linear(features, 16)
        self.head = nn.Linear(16, out)
        self.swap = swap

    def forward(self, x):
        n, t, _ = x.shape
        h = torch.tanh(self.inp(x))
        if self.swap:
            h = h.reshape(t, n, -1).mean(0)  # bug: meant h.transpose(0, 1)
        else:
            h = h.mean(1)
        return self.head(h)


class CausalSDPA(nn.Module):
    """One attention layer over (N, T, F); `mask` picks how causality is expressed."""

    def __init__(self, features: int = 8, d: int = 16, mask: str = "is_causal"):
        super().__init__()
        self.qkv = nn.Linear(features, 3 * d)
        self.out = nn.Linear(d, features)
        self.mask = mask

    def forward(self, x):
        t = x.shape[1]
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        if self.mask == "is_causal":
            h = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        elif self.mask == "tril":
            keep = torch.tril(torch.ones(t, t, dtype=torch.bool, device=x.device))
            h = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
        else:  # the bug: True means *attend* in SDPA, so this attends to the future only
            wrong = torch.triu(torch.ones(t, t, dtype=torch.bool, device=x.device), 1)
            h = F.scaled_dot_product_attention(q, k, v, attn_mask=wrong)
        return self.out(h)


class CausalMHA(nn.Module):
    """A decoder-style block on nn.MultiheadAttention; `wrong=True` passes a mask of the SDPA
    polarity (True = attend), which MHA reads as True = ignore."""

    def __init__(self, features: int = 8, d: int = 16, wrong: bool = False):
        super().__init__()
        self.inp = nn.Linear(features, d)
        self.attn = nn.MultiheadAttention(d, 2, batch_first=True)
        self.norm = nn.LayerNorm(d)
        self.out = nn.Linear(d, features)
        self.wrong = wrong

    def forward(self, x):
        t = x.shape[1]
        h = self.inp(x)
        if self.wrong:
            mask = torch.tril(torch.ones(t, t, dtype=torch.bool, device=x.device))
        else:
            mask = nn.Transformer.generate_square_subsequent_mask(t, device=x.device)
        a, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
        return self.out(self.norm(h + a))


class PaddedEncoder(nn.Module):
    """Token ids (N, T) and a mask (True = real token) → per-token logits (N, T, C)."""

    def __init__(self, vocab: int = 50, d: int = 16, classes: int = 5, inverted: bool = False):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.attn = nn.MultiheadAttention(d, 2, batch_first=True)
        self.head = nn.Linear(d, classes)
        self.inverted = inverted

    def forward(self, ids, mask):
        h = self.emb(ids)
        # key_padding_mask: True = ignore. The bug passes the real-token mask as it is.
        pad = mask if self.inverted else ~mask
        a, _ = self.attn(h, h, h, key_padding_mask=pad, need_weights=False)
        return self.head(h + a)


class PlainAttribute(nn.Module):
    """Keeps a tensor as a plain attribute: not in the state_dict, lost on reload."""

    def __init__(self, features: int = 24):
        super().__init__()
        self.lin = nn.Linear(features, 1)
        self.scale = torch.rand(features) + 0.5

    def forward(self, x):
        return self.lin(x * self.scale)


class Buffered(PlainAttribute):
    """The healthy twin: the same tensor registered as a buffer."""

    def __init__(self, features: int = 24):
        super().__init__(features)
        scale = self.scale
        del self.scale
        self.register_buffer("scale", scale)
