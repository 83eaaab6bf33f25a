# expect: clean
# style: torchtune-like attention module calling F.scaled_dot_product_attention with a boolean "may attend" mask
# note: for SDPA a boolean True means "allowed", so the mask is built as keep = attention_mask.bool() combined with a tril causal mask — both correctly oriented
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, embed_dim=256, num_heads=8):
        super().__init__()
        self.num_heads, self.head_dim = num_heads, embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=False)
        self.k_proj = nn.Linear(embed_dim, embed_dim, bias=False)
        self.v_proj = nn.Linear(embed_dim, embed_dim, bias=False)
        self.output_proj = nn.Linear(embed_dim, embed_dim, bias=False)

    def forward(self, x, mask):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.num_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.num_heads, self.head_dim).transpose(1, 2)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.output_proj(out.transpose(1, 2).reshape(b, s, -1))


def build_mask(attention_mask):
    s = attention_mask.size(1)
    causal = torch.tril(torch.ones(s, s, dtype=torch.bool, device=attention_mask.device))
    keep = attention_mask.bool()[:, None, None, :]
    return causal[None, None] & keep


class Decoder(nn.Module):
    def __init__(self, vocab=32000, dim=256, n_layers=4):
        super().__init__()
        self.tok_embeddings = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList(CausalSelfAttention(dim) for _ in range(n_layers))
        self.norms = nn.ModuleList(nn.RMSNorm(dim) for _ in range(n_layers))
        self.output = nn.Linear(dim, vocab, bias=False)

    def forward(self, tokens, attention_mask):
        mask = build_mask(attention_mask)
        h = self.tok_embeddings(tokens)
        for attn, norm in zip(self.layers, self.norms):
            h = h + attn(norm(h), mask)
        return self.output(h)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max_steps", type=int, default=200)
    cfg = ap.parse_args()
    model = Decoder()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-4)
    for step in range(cfg.max_steps):
        tokens = torch.randint(0, 32000, (4, 129))
        attention_mask = torch.ones_like(tokens)
        logits = model(tokens[:, :-1], attention_mask[:, :-1])
        labels = tokens[:, 1:].masked_fill(attention_mask[:, 1:] == 0, -100)
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 20 == 0:
            print(f"Step {step} | loss:{loss.item():.4f}")
