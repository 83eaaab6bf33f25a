# expect: clean
# The loop hands the tracker a detached copy of the loss, so no graph is kept.
import torch
from torch import nn


class LossTracker:
    def __init__(self):
        self.seen = []

    def record(self, value):
        self.seen.append(value)

    def mean(self):
        return sum(float(v) for v in self.seen) / max(len(self.seen), 1)


def train(model, loader, epochs=3):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    crit = nn.BCEWithLogitsLoss()
    for _ in range(epochs):
        tracker = LossTracker()
        for feats, flags in loader:
            loss = crit(model(feats).squeeze(-1), flags)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tracker.record(loss.detach())
        print(tracker.mean())
