# expect: TVL010
"""Retrieval encoder with hand-written SDPA layers in a ModuleList built from a generator: the
mask helper marks padding with True, and SDPA reads True as *attend*."""
import torch.nn.functional as F
from torch import nn

PAD = 0


def padding_of(ids):
    return ids.eq(PAD)[:, None, None, :]


class Layer(nn.Module):
    def __init__(self, d=128, h=4):
        super().__init__()
        self.h = h
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)

    def forward(self, x, key_mask):
        B, T, D = x.shape
        q, k, v = self.qkv(x).view(B, T, 3, self.h, D // self.h).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=key_mask)
        return x + self.o(y.transpose(1, 2).reshape(B, T, D))


class Encoder(nn.Module):
    def __init__(self, vocab=1000, d=128, n=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
        self.layers = nn.ModuleList(Layer(d) for _ in range(n))

    def forward(self, ids):
        x, key_mask = self.emb(ids), padding_of(ids)
        for layer in self.layers:
            x = layer(x, key_mask)
        return x.mean(1)
