# expect: TVL012
import torch
import torch.nn as nn


class RunningStats:
    def __init__(self):
        self.total, self.n = 0.0, 0

    def add(self, x):
        self.total += x
        self.n += 1

    @property
    def mean(self):
        return self.total / max(self.n, 1)


model = nn.Sequential(nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 1))
opt = torch.optim.SGD(model.parameters(), lr=1e-2)
stats = RunningStats()
for it in range(1000):
    x = torch.randn(32, 10)
    err = nn.functional.smooth_l1_loss(model(x), x.sum(1, keepdim=True))
    opt.zero_grad()
    err.backward()
    opt.step()
    stats.add(err)
    if it % 100 == 0:
        print(it, float(stats.mean))
