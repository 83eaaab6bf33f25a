# expect: clean
"""A classifier head on a tokenizer's batch: `attention_mask` is 1 on real tokens, and
`attention_mask < 1` flips it, so the encoder ignores the padding only."""
import torch
from torch import nn


class Head(nn.Module):
    def __init__(self, vocab=30522, dim=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(dim, 4, batch_first=True), 2)
        self.cls = nn.Linear(dim, 2)

    def forward(self, batch):
        h = self.enc(self.emb(batch["input_ids"]), src_key_padding_mask=batch["attention_mask"] < 1)
        return self.cls(h[:, 0])
