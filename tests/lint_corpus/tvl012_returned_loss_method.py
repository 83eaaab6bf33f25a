# expect: TVL012
import torch
import torch.nn as nn
import torch.nn.functional as F


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(10, 64), nn.Tanh(), nn.Linear(64, 3))
        self.running = 0.0
        self.seen = 0

    def forward(self, x):
        return self.body(x)

    def compute_loss(self, x, y):
        err = F.mse_loss(self(x), y)
        self.running += err
        self.seen += 1
        return err

    def report(self):
        print("mean loss", float(self.running) / max(self.seen, 1))
        self.running, self.seen = 0.0, 0


def train(learner, batches, epochs):
    opt = torch.optim.Adam(learner.parameters(), lr=1e-3)
    for _ in range(epochs):
        for x, y in batches:
            err = learner.compute_loss(x, y)
            opt.zero_grad()
            err.backward()
            opt.step()
        learner.report()


train(Regressor(), [(torch.randn(8, 10), torch.randn(8, 3)) for _ in range(50)], 3)
