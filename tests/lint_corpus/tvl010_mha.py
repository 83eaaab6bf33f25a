# expect: TVL010
import torch
import torch.nn as nn


class Decoder(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.attn = nn.MultiheadAttention(d, h, batch_first=True)

    def forward(self, x):
        T = x.size(1)
        causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
        out, _ = self.attn(x, x, x, attn_mask=causal)
        return out
