# expect: TVL006
# Two optimizers come from one builder; the shared embedding's parameters are passed to both
# calls, so each step moves them twice with two separate momentum buffers.
import torch
import torch.nn as nn


def build_opt(parts, common, lr):
    params = [p for part in parts for p in part.parameters()] + list(common)
    return torch.optim.SGD(params, lr=lr, momentum=0.9)


emb = nn.Embedding(100, 16)
head_a, head_b = nn.Linear(16, 2), nn.Linear(16, 5)
common = list(emb.parameters())
opt_a = build_opt([head_a], common, 0.1)
opt_b = build_opt([head_b], common, 0.01)
for _ in range(50):
    ids = torch.randint(0, 100, (32,))
    h = emb(ids)
    loss = nn.functional.cross_entropy(head_a(h), torch.randint(0, 2, (32,)))
    loss = loss + nn.functional.cross_entropy(head_b(h), torch.randint(0, 5, (32,)))
    opt_a.zero_grad()
    opt_b.zero_grad()
    loss.backward()
    opt_a.step()
    opt_b.step()
