# expect: clean
# Pooling attention over a token sequence; the model builds its padding mask in a small method
# of its own, which marks the padding, and hands it to MultiheadAttention as key_padding_mask.
import torch
import torch.nn as nn


class AttnPool(nn.Module):
    def __init__(self, vocab=500, dim=32, pad_index=0):
        super().__init__()
        self.pad_index = pad_index
        self.tok = nn.Embedding(vocab, dim, padding_idx=pad_index)
        self.query = nn.Parameter(torch.randn(1, 1, dim))
        self.attn = nn.MultiheadAttention(dim, 4, batch_first=True)
        self.cls = nn.Linear(dim, 2)

    def pad_positions(self, tokens):
        return tokens.eq(self.pad_index)

    def forward(self, tokens):
        keys = self.tok(tokens)
        q = self.query.expand(tokens.size(0), -1, -1)
        pooled, _ = self.attn(q, keys, keys, key_padding_mask=self.pad_positions(tokens))
        return self.cls(pooled.squeeze(1))


net = AttnPool()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
for _ in range(5):
    tokens = torch.randint(0, 500, (16, 12))
    loss = nn.functional.cross_entropy(net(tokens), torch.randint(0, 2, (16,)))
    opt.zero_grad()
    loss.backward()
    opt.step()
