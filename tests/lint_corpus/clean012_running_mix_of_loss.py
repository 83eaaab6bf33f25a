# expect: clean
"""A progress display smooths the loss with an exponential moving average. The new average is
built from the old one and the loss as a float, so no step's autograd graph is linked to the
next."""
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
    value = loss.item()
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    shown = value if shown is None else beta * shown + (1 - beta) * value
    if it % 100 == 0:
        print(f"it {it} loss~{float(shown):.3f}")
