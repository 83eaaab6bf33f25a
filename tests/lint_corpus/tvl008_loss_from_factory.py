# expect: TVL008
# The loss comes from a small factory function and the network's forward ends in sigmoid; the
# factory hands back a loss that applies the sigmoid a second time.
import torch
import torch.nn as nn


class Tagger(nn.Module):
    def __init__(self, d, n_tags):
        super().__init__()
        self.body = nn.Linear(d, 128)
        self.tags = nn.Linear(128, n_tags)

    def forward(self, x):
        return torch.sigmoid(self.tags(torch.relu(self.body(x))))


def make_loss(kind="multilabel"):
    return nn.BCEWithLogitsLoss()


class Fitter:
    def __init__(self, net):
        self.net = net
        self.loss = make_loss()
        self.opt = torch.optim.Adam(net.parameters(), lr=3e-4)

    def step(self, x, y):
        self.opt.zero_grad()
        scores = self.net(x)
        loss = self.loss(scores, y)
        loss.backward()
        self.opt.step()


fitter = Fitter(Tagger(20, 6))
for _ in range(50):
    fitter.step(torch.randn(8, 20), torch.randint(0, 2, (8, 6)).float())
