# expect: clean
# The model is wrapped for data parallelism before the optimizer is built, and the optimizer is
# given all of the wrapped model's parameters.
import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.GRU(32, 64, batch_first=True)
        self.head = nn.Linear(64, 9)

    def forward(self, x):
        out, _ = self.encoder(x)
        return self.head(out)


tagger = nn.DataParallel(Tagger())
optim = torch.optim.Adam(tagger.module.parameters(), lr=1e-3)
for tokens, tags in [(torch.randn(4, 12, 32), torch.randint(0, 9, (4, 12)))] * 25:
    loss = nn.functional.cross_entropy(tagger(tokens).flatten(0, 1), tags.flatten())
    optim.zero_grad()
    loss.backward()
    optim.step()
