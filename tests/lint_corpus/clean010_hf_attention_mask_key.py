# expect: clean
# The same head inverts the tokenizer's "attention_mask" (1 on real tokens) so that True marks
# padding, which nn.MultiheadAttention then ignores.
import torch.nn as nn


class PoolingHead(nn.Module):
    def __init__(self, dim=256):
        super().__init__()
        self.tok = nn.Embedding(32000, dim)
        self.attn = nn.MultiheadAttention(dim, 8, batch_first=True)

    def forward(self, enc):
        h = self.tok(enc["input_ids"])
        pooled, _ = self.attn(h[:, :1], h, h, key_padding_mask=~enc["attention_mask"].bool())
        return pooled.squeeze(1)
