# expect: TVL015
# The epoch is a list comprehension of training steps over a loader built in a method; the
# loader keeps the order of the interactions, sorted by user.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Fitter:
    def __init__(self, pairs, n):
        self.pairs = pairs
        self.emb = nn.Embedding(n, 16)
        self.opt = torch.optim.Adam(self.emb.parameters(), lr=1e-2)

    def batches(self):
        return DataLoader(TensorDataset(self.pairs[:, 0], self.pairs[:, 1]), batch_size=256)

    def step(self, a, b):
        loss = -(self.emb(a) * self.emb(b)).sum(-1).sigmoid().log().mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    def epoch(self):
        losses = [self.step(a, b) for a, b in self.batches()]
        return sum(losses) / len(losses)


pairs = torch.randint(0, 500, (4096, 2)).sort(dim=0).values
fitter = Fitter(pairs, 500)
for e in range(5):
    print(e, fitter.epoch())
