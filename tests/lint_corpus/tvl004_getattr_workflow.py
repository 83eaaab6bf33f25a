# expect: TVL004
import torch
import torch.nn as nn


class Engine:
    """Runs phases by name, as configured: e.g. ('fit_epoch', 'score') repeated."""

    def __init__(self, net, batches):
        self.net, self.batches = net, batches
        self.sgd = torch.optim.SGD(net.parameters(), lr=0.05)

    def fit_epoch(self):
        for x, y in self.batches:
            self.sgd.zero_grad()
            nn.functional.mse_loss(self.net(x), y).backward()
            self.sgd.step()

    def score(self):
        self.net.eval()
        with torch.no_grad():
            return sum(float(nn.functional.mse_loss(self.net(x), y)) for x, y in self.batches)

    def run(self, phases, rounds):
        for _ in range(rounds):
            for phase in phases:
                getattr(self, phase)()


net = nn.Sequential(nn.Linear(8, 32), nn.Dropout(0.2), nn.Linear(32, 1))
Engine(net, [(torch.randn(16, 8), torch.randn(16, 1)) for _ in range(4)]).run(["fit_epoch", "score"], rounds=5)
