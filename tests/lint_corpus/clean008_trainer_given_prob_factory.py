# expect: clean
# A factory builds a classifier that ends in raw logits; a small Learner class stores it and trains
# it with a logits loss.
import torch
import torch.nn as nn


def make_net(d_in, k):
    return nn.Sequential(nn.Linear(d_in, 64), nn.ReLU(), nn.Linear(64, k))


class Learner:
    def __init__(self, net, lr=0.01):
        self.net = net
        self.loss_fn = nn.CrossEntropyLoss()
        self.opt = torch.optim.SGD(net.parameters(), lr=lr)

    def fit_batch(self, x, y):
        self.opt.zero_grad()
        out = self.net(x)
        loss = self.loss_fn(out, y)
        loss.backward()
        self.opt.step()
        return loss.item()


learner = Learner(make_net(32, 5))
for _ in range(100):
    learner.fit_batch(torch.randn(16, 32), torch.randint(0, 5, (16,)))
