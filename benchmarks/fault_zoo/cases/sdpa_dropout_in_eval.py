# zoo: expect=dropout-active
# zoo: source=https://github.com/pytorch/pytorch/issues/124464 (SDPA does not switch off dropout during evaluation); https://github.com/wenet-e2e/wenet/issues/2699
"""Fault: a self-attention block passes dropout_p=self.p to F.scaled_dot_product_attention
whatever the mode: SDPA always drops when dropout_p > 0, so model.eval() leaves attention
dropout on (dropout-active). --fixed: dropout_p=self.p if self.training else 0.0."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
vocab, T = 16, 12
tokens = torch.randint(0, vocab, (512, T), generator=g)
y = (tokens == 3).any(dim=1).long()


class Encoder(nn.Module):
    def __init__(self, d: int = 32, heads: int = 4, p: float = 0.1) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.qkv = nn.Linear(d, 3 * d)
        self.heads, self.p = heads, p
        self.head = nn.Linear(d, 2)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h = self.emb(ids)
        b, t, d = h.shape
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in self.qkv(h).chunk(3, dim=-1))
        p = (self.p if self.training else 0.0) if args.fixed else self.p  # the bug: drops in eval() too
        a = F.scaled_dot_product_attention(q, k, v, dropout_p=p)
        h = h + a.transpose(1, 2).reshape(b, t, d)
        return self.head(h.mean(dim=1))


model = Encoder()
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
for _ in range(80):
    i = torch.randint(0, len(tokens), (32,), generator=g)
    loss = F.cross_entropy(model(tokens[i]), y[i])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
