# expect: TVL010
# style: nanoGPT-like encoder block using F.scaled_dot_product_attention, mask built by a helper
# bug: `padding_mask` returns True at padded positions (the key_padding_mask convention), and it is passed as attn_mask to scaled_dot_product_attention where True means "may attend"
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

PAD_ID = 0


def padding_mask(ids):
    """(B, L) -> (B, 1, 1, L) boolean mask marking padding tokens."""
    return (ids == PAD_ID)[:, None, None, :]


class SelfAttention(nn.Module):
    def __init__(self, d, n_head, dropout=0.1):
        super().__init__()
        self.n_head = n_head
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.dropout = dropout

    def forward(self, x, mask):
        B, L, D = x.shape
        q, k, v = self.qkv(x).split(D, dim=2)
        q, k, v = (t.view(B, L, self.n_head, D // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.proj(y.transpose(1, 2).reshape(B, L, D))


class Block(nn.Module):
    def __init__(self, d, n_head):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.attn = SelfAttention(d, n_head)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        x = x + self.attn(self.ln1(x), mask)
        return x + self.mlp(self.ln2(x))


class Encoder(nn.Module):
    def __init__(self, vocab=4000, d=128, n_head=4, n_layer=3, max_len=128, n_cls=3):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(max_len, d)
        self.blocks = nn.ModuleList([Block(d, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, n_cls)

    def forward(self, ids):
        mask = padding_mask(ids)
        x = self.tok(ids) + self.pos(torch.arange(ids.size(1), device=ids.device))
        for b in self.blocks:
            x = b(x, mask)
        keep = (ids != PAD_ID).unsqueeze(-1).float()
        pooled = (self.ln_f(x) * keep).sum(1) / keep.sum(1).clamp(min=1)
        return self.head(pooled)


if __name__ == "__main__":
    ids = torch.randint(1, 4000, (2000, 64))
    lens = torch.randint(10, 64, (2000,))
    ids[torch.arange(64)[None] >= lens[:, None]] = PAD_ID
    y = torch.randint(0, 3, (2000,))
    dl = DataLoader(TensorDataset(ids, y), batch_size=32, shuffle=True)
    model = Encoder()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.1)
    for it, (xb, yb) in enumerate(dl):
        loss = F.cross_entropy(model(xb), yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if it % 10 == 0:
            print(f"iter {it} loss {loss.item():.4f} ppl-ish {math.exp(loss.item()):.2f}")
