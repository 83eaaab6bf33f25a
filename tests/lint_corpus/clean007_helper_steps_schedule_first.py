# expect: clean
# A trainer's per-batch method steps the optimizer and then advances the warm-up schedule, so
# every learning rate of the schedule is used once.
import torch
import torch.nn as nn


class Fitter:
    def __init__(self, net, total):
        self.net = net
        self.adam = torch.optim.Adam(net.parameters(), lr=1e-3)
        self.warm = torch.optim.lr_scheduler.LambdaLR(self.adam, lambda i: min(1.0, (i + 1) / 100))

    def one_batch(self, xb, yb):
        loss = nn.functional.cross_entropy(self.net(xb), yb)
        self.adam.zero_grad()
        loss.backward()
        self.adam.step()
        self.warm.step()
        return loss.item()


fitter = Fitter(nn.Linear(6, 3), 1000)
rows = [(torch.randn(8, 6), torch.randint(0, 3, (8,))) for _ in range(40)]
for ep in range(25):
    for xb, yb in rows:
        fitter.one_batch(xb, yb)
