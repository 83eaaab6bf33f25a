# expect: TVL010
"""Text classifier over padded token ids: `keep_mask()` compares `arange(max_len)` with the
lengths, so it is True on real tokens (both sides read a name with "len" in it), and the
encoder hands it to nn.TransformerEncoder as `src_key_padding_mask`, where True means *ignore*."""
import torch
from torch import nn


def keep_mask(seq_lens, max_len):
    return torch.arange(max_len).unsqueeze(0).to(seq_lens.device) < seq_lens.unsqueeze(1)


class TextEncoder(nn.Module):
    def __init__(self, vocab=20000, dim=256, n_cls=5):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        layer = nn.TransformerEncoderLayer(dim, 8, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, num_layers=4)
        self.out = nn.Linear(dim, n_cls)

    def forward(self, ids, seq_lens):
        ok = keep_mask(seq_lens, ids.size(1))
        h = self.enc(self.emb(ids), src_key_padding_mask=ok)
        h = (h * ok.unsqueeze(-1)).sum(1) / seq_lens.unsqueeze(1)
        return self.out(h)
