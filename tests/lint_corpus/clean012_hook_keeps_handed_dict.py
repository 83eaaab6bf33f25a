# expect: clean
"""Each step the trainer hands its reporters a small dict of scalars; the in-memory reporter
keeps the dicts for a summary at the end. The loss goes in as a float, so the
kept dicts hold no graph."""
import torch
from torch import nn


class MemoryReporter:
    def __init__(self):
        self.entries = []

    def report(self, scalars):
        self.entries.append(scalars)

    def summary(self):
        return sum(float(e["loss"]) for e in self.entries) / max(len(self.entries), 1)


class Trainer:
    def __init__(self, net, opt, reporters):
        self.net, self.opt, self.reporters = net, opt, reporters

    def run(self, batches):
        for i, (x, y) in enumerate(batches):
            loss = nn.functional.binary_cross_entropy_with_logits(self.net(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            for r in self.reporters:
                r.report({"iter": i, "loss": loss.item()})


net = nn.Linear(16, 1)
rep = MemoryReporter()
Trainer(net, torch.optim.SGD(net.parameters(), lr=0.1), [rep]).run(
    [(torch.randn(8, 16), torch.rand(8, 1).round()) for _ in range(100)]
)
print(rep.summary())
