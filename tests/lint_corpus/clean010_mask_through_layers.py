# expect: clean
# The same encoder with a mask that is True on real tokens: SDPA's convention.
import torch.nn as nn
import torch.nn.functional as F


class Attn(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads, self.qkv, self.out = heads, nn.Linear(d, 3 * d), nn.Linear(d, d)

    def forward(self, h, keys_ok):
        b, t, d = h.shape
        q, k, v = self.qkv(h).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        o = F.scaled_dot_product_attention(q, k, v, attn_mask=keys_ok)
        return self.out(o.transpose(1, 2).reshape(b, t, d))


class Layer(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.attn, self.norm = Attn(d, heads), nn.LayerNorm(d)

    def forward(self, h, keys_ok):
        return h + self.attn(self.norm(h), keys_ok)


class Encoder(nn.Module):
    def __init__(self, vocab, d=64, heads=4, depth=2, pad_idx=0):
        super().__init__()
        self.pad_idx, self.emb = pad_idx, nn.Embedding(vocab, d)
        self.layers = nn.ModuleList([Layer(d, heads) for _ in range(depth)])

    def forward(self, ids):
        keys_ok = ids.ne(self.pad_idx).unsqueeze(1).unsqueeze(2)
        h = self.emb(ids)
        for layer in self.layers:
            h = layer(h, keys_ok)
        return h.mean(1)
