# expect: clean
# Review scores bucketed by flooring a float tensor in a helper; a loader builder returns the
# train and validation loaders as a pair; the buckets are made long before nll_loss.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def bucketize(scores):
    return torch.floor(scores * 2.0).long()


def make_loaders(n=900):
    x = torch.randn(n, 20)
    buckets = bucketize(torch.rand(n) * 2.5)
    cut = n - 100
    fit = DataLoader(TensorDataset(x[:cut], buckets[:cut]), batch_size=50, shuffle=True)
    held = DataLoader(TensorDataset(x[cut:], buckets[cut:]), batch_size=100)
    return fit, held


class Scorer(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(20, 5)

    def forward(self, x):
        return F.log_softmax(self.body(x), dim=1)


fit_dl, held_dl = make_loaders()
scorer = Scorer()
adam = torch.optim.Adam(scorer.parameters(), lr=1e-3)
for epoch in range(3):
    for x, b in fit_dl:
        loss = F.nll_loss(scorer(x), b)
        adam.zero_grad()
        loss.backward()
        adam.step()
