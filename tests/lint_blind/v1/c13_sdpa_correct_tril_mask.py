# expect: clean
# style: nanoGPT model.py (CausalSelfAttention, flash path with is_causal + padded-batch path with a boolean mask)
# note: buffer is tril(ones).bool() (True = may attend), which is the SDPA convention; combined padding mask also True = keep
import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd=256, n_head=8, block_size=128, dropout=0.0):
        super().__init__()
        self.n_head = n_head
        self.c_attn = nn.Linear(n_embd, 3 * n_embd, bias=False)
        self.c_proj = nn.Linear(n_embd, n_embd, bias=False)
        self.dropout = dropout
        self.register_buffer("causal", torch.tril(torch.ones(block_size, block_size, dtype=torch.bool)), persistent=False)

    def forward(self, x, key_valid=None):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        if key_valid is None:
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0,
                                               is_causal=True)
        else:
            # key_valid: (B, T) bool, True for real tokens. Keep = causal AND key is real.
            keep = self.causal[:T, :T][None, None] & key_valid[:, None, None, :]
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=keep,
                                               dropout_p=self.dropout if self.training else 0.0)
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class TinyGPT(nn.Module):
    def __init__(self, vocab=512, n_embd=256, n_layer=2, block_size=128):
        super().__init__()
        self.wte = nn.Embedding(vocab, n_embd)
        self.wpe = nn.Embedding(block_size, n_embd)
        self.attn = nn.ModuleList(CausalSelfAttention(n_embd, block_size=block_size) for _ in range(n_layer))
        self.ln = nn.ModuleList(nn.LayerNorm(n_embd) for _ in range(n_layer))
        self.lm_head = nn.Linear(n_embd, vocab, bias=False)

    def forward(self, idx, key_valid=None):
        x = self.wte(idx) + self.wpe(torch.arange(idx.size(1), device=idx.device))
        for ln, attn in zip(self.ln, self.attn):
            x = x + attn(ln(x), key_valid)
        return self.lm_head(x)


if __name__ == "__main__":
    model = TinyGPT()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4)
    model.train()
    for step in range(200):
        idx = torch.randint(0, 512, (8, 65))
        lengths = torch.randint(33, 65, (8,))
        valid = torch.arange(64)[None, :] < lengths[:, None]
        logits = model(idx[:, :-1], key_valid=valid)
        targets = idx[:, 1:].masked_fill(~valid, -100)
        loss = F.cross_entropy(logits.reshape(-1, 512), targets.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 50 == 0:
            print(step, round(loss.item(), 4))
