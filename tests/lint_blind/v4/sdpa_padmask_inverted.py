# expect: TVL010
# style: nanoGPT-ish encoder using F.scaled_dot_product_attention with a padding mask
# bug: attn_mask for SDPA is built as (ids == pad_id), but for SDPA a boolean True means "may attend", so every query attends only to padding
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from einops import rearrange


class SelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, dropout=0.0):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.n_head, self.dropout = n_head, dropout

    def forward(self, x, ids, pad_id):
        q, k, v = self.c_attn(x).split(x.size(-1), dim=2)
        q, k, v = (rearrange(t, "b t (h d) -> b h t d", h=self.n_head) for t in (q, k, v))
        attn_mask = (ids == pad_id)[:, None, None, :]
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.c_proj(rearrange(y, "b h t d -> b t (h d)"))


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)
        self.attn = SelfAttention(n_embd, n_head)
        self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(), nn.Linear(4 * n_embd, n_embd))

    def forward(self, x, ids, pad_id):
        x = x + self.attn(self.ln_1(x), ids, pad_id)
        return x + self.mlp(self.ln_2(x))


class Encoder(nn.Module):
    def __init__(self, vocab=50304, n_embd=256, n_head=8, n_layer=4, pad_id=0, n_cls=2):
        super().__init__()
        self.pad_id = pad_id
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(512, n_embd)
        self.h = nn.ModuleList(Block(n_embd, n_head) for _ in range(n_layer))
        self.head = nn.Linear(n_embd, n_cls)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.size(1), device=ids.device))
        for block in self.h:
            x = block(x, ids, self.pad_id)
        return self.head(x[:, 0])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max_iters", type=int, default=500)
    ap.add_argument("--learning_rate", type=float, default=6e-4)
    cfg = ap.parse_args()
    model = Encoder()
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, betas=(0.9, 0.95))
    for it in range(cfg.max_iters):
        ids = torch.randint(1, 50304, (16, 128))
        ids[:, 100:] = 0
        loss = F.cross_entropy(model(ids), torch.randint(0, 2, (16,)))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if it % 50 == 0:
            print(f"iter {it}: loss {loss.item():.4f}")
