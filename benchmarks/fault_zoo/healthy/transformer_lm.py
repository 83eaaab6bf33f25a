# zoo: healthy
"""Healthy: a small decoder-only transformer language model (2 layers, causal mask, tied
embeddings, dropout) on a synthetic language whose next token depends on the previous two, with
AdamW, linear warm-up then cosine decay stepped per batch, and gradient clipping; next-token
cross-entropy on (B·T, V) logits."""

import math

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)

vocab, ctx, d = 32, 16, 48
g = torch.Generator().manual_seed(0)
table = torch.randint(0, vocab, (vocab, vocab), generator=g)  # next = table[prev2, prev1] mostly


def sample(n: int) -> torch.Tensor:
    seq = torch.randint(0, vocab, (n, ctx + 1), generator=g)
    for t in range(2, ctx + 1):
        follow = table[seq[:, t - 2], seq[:, t - 1]]
        keep = torch.rand(n, generator=g) < 0.85
        seq[:, t] = torch.where(keep, follow, seq[:, t])
    return seq


class TinyLM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        nn.init.normal_(self.tok.weight, std=0.02)  # GPT-2's init: small logits at the start
        self.pos = nn.Parameter(torch.zeros(ctx, d))
        layer = nn.TransformerEncoderLayer(d, nhead=4, dim_feedforward=4 * d, dropout=0.1,
                                           batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d)
        self.mask = nn.Transformer.generate_square_subsequent_mask(ctx)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        h = self.tok(idx) + self.pos[: idx.shape[1]]
        h = self.blocks(h, mask=self.mask, is_causal=True)
        return self.norm(h) @ self.tok.weight.t()  # tied output embedding


model = TinyLM()
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01, betas=(0.9, 0.95))
steps, warmup = 200, 20
scheduler = torch.optim.lr_scheduler.LambdaLR(
    optimizer,
    lambda s: (s + 1) / warmup if s < warmup
    else 0.5 * (1 + math.cos(math.pi * (s - warmup) / (steps - warmup))),
)
model.train()
for step in range(steps):
    batch = sample(32)
    inputs, targets = batch[:, :-1], batch[:, 1:]
    logits = model(inputs)
    loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    if step % 50 == 0:
        print(f"step {step}: loss {loss.item():.3f} (uniform: {math.log(vocab):.3f})")
print(f"final loss {loss.item():.3f}")
