# expect: clean
"""A trainer hands the logits to its own loss method, whose parameter reaches CrossEntropyLoss;
the accuracy reads the argmax of the logits."""
import torch
import torch.nn as nn


class Fitter:
    def __init__(self, net):
        self.net = net
        self.ce = nn.CrossEntropyLoss()
        self.optim = torch.optim.Adam(net.parameters(), lr=1e-3)

    def objective(self, scores, targets):
        return self.ce(scores, targets)

    def fit_batch(self, x, y):
        scores = self.net(x)
        acc = (scores.argmax(-1) == y).float().mean()
        loss = self.objective(scores, y)
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()
        return loss.item(), acc.item()


fitter = Fitter(nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 5)))
for _ in range(200):
    fitter.fit_batch(torch.randn(16, 20), torch.randint(0, 5, (16,)))
