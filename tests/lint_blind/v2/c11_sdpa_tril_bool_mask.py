# expect: clean
# style: char-level GPT in a protein-sequence LM research repo, SDPA attention with a registered causal buffer
# note: buffer is torch.tril(ones).bool() -- True = may attend, which is SDPA's convention; sliced to [:T, :T]
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

AMINO = "ACDEFGHIKLMNPQRSTVWY"


class CausalAttention(nn.Module):
    def __init__(self, d, heads, block_size, dropout=0.1):
        super().__init__()
        self.heads, self.dropout = heads, dropout
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.register_buffer("allowed", torch.tril(torch.ones(block_size, block_size)).bool(), persistent=False)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (z.view(B, T, self.heads, C // self.heads).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=self.allowed[:T, :T],
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


class ProtGPT(nn.Module):
    def __init__(self, vocab=len(AMINO) + 1, d=128, heads=4, n_layer=3, block_size=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(block_size, d)
        self.ln = nn.ModuleList([nn.LayerNorm(d) for _ in range(n_layer)])
        self.attn = nn.ModuleList([CausalAttention(d, heads, block_size) for _ in range(n_layer)])
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        T = idx.size(1)
        x = self.tok(idx) + self.pos(torch.arange(T, device=idx.device))
        for ln, attn in zip(self.ln, self.attn):
            x = x + attn(ln(x))
        return self.head(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--block_size", type=int, default=128)
    ap.add_argument("--max_iters", type=int, default=300)
    args = ap.parse_args()
    model = ProtGPT(block_size=args.block_size)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95))
    data = torch.randint(0, len(AMINO) + 1, (400, args.block_size + 1))
    loader = DataLoader(TensorDataset(data), batch_size=16, shuffle=True)
    it = 0
    while it < args.max_iters:
        model.train()
        for (seq,) in loader:
            logits = model(seq[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), seq[:, 1:].reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            it += 1
            if it % 50 == 0:
                print(f"iter {it}: loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
