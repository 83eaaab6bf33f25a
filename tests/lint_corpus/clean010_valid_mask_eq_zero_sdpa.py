# expect: clean
# The same layer builds its boolean SDPA mask with `== 1` from a 0/1 mask with 1 on observed
# steps: True where attention is allowed, as scaled_dot_product_attention expects.
import torch
import torch.nn as nn
import torch.nn.functional as F


class StepAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x, valid_steps):
        b, t, d = x.shape
        q, k, v = self.qkv(x).reshape(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        allowed = (valid_steps == 1).view(b, 1, 1, t)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        return self.out(y.transpose(1, 2).reshape(b, t, d))


layer = StepAttention(32, 4)
opt = torch.optim.Adam(layer.parameters())
for x, valid_steps in batches:
    loss = layer(x, valid_steps).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
