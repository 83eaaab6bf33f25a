# expect: clean
# The same pooling layer inverts the mask named for the valid positions before giving it as
# key_padding_mask, which must be True on the positions to ignore.
import torch
import torch.nn as nn


class SetPool(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.seed = nn.Parameter(torch.randn(1, 1, dim))
        self.attn = nn.MultiheadAttention(dim, 4, batch_first=True)

    def forward(self, elems, is_valid):
        query = self.seed.expand(elems.size(0), -1, -1)
        pooled, _ = self.attn(query, elems, elems, key_padding_mask=~is_valid)
        return pooled.squeeze(1)


pool = SetPool(16)
opt = torch.optim.SGD(pool.parameters(), lr=0.1)
for elems, is_valid, target in loader:
    loss = (pool(elems, is_valid) - target).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
