# expect: TVL012
"""A progress display smooths the loss with an exponential moving average. The new average is
built from the old one and the loss tensor, so every step's autograd graph stays linked to the
next and memory grows for the whole run."""
import torch
from torch import nn

vocab, dim = 1000, 64
model = nn.Sequential(nn.Embedding(vocab, dim), nn.Flatten(), nn.Linear(dim * 16, vocab))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
shown = None
beta = 0.95
for it in range(2000):
    tokens = torch.randint(0, vocab, (32, 16))
    target = torch.randint(0, vocab, (32,))
    loss = nn.functional.cross_entropy(model(tokens), target)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    shown = loss if shown is None else beta * shown + (1 - beta) * loss
    if it % 100 == 0:
        print(f"it {it} loss~{float(shown):.3f}")
