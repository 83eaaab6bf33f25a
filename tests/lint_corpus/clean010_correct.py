# expect: clean
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, h, batch_first=True)

    def forward(self, x, q, k, v, tokens, pad_id):
        T = x.size(1)
        future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        out, _ = self.attn(x, x, x, attn_mask=future, key_padding_mask=tokens == pad_id)
        allowed = torch.tril(torch.ones(T, T)).bool()
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        additive = torch.triu(torch.full((T, T), float("-inf")), diagonal=1)
        z = F.scaled_dot_product_attention(q, k, v, attn_mask=additive)
        return out, y, z
