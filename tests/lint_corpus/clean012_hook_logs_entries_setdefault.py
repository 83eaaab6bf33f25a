# expect: clean
"""The step loop passes a dict of its loss terms to a history object, which keeps a list per
term with `setdefault(...).append(...)`: the loop hands over plain floats, so no step
graph outlives the step."""
import torch
from torch import nn


class History:
    def __init__(self):
        self.series = {}

    def record(self, values):
        for name, val in values.items():
            self.series.setdefault(name, []).append(val)


def fit(net, opt, batches, history):
    for x, y in batches:
        pred = net(x)
        mse = nn.functional.mse_loss(pred, y)
        l1 = nn.functional.l1_loss(pred, y)
        total = mse + 0.1 * l1
        opt.zero_grad()
        total.backward()
        opt.step()
        parts = {"mse": mse.item(), "l1": l1.item()}
        history.record(parts)


model = nn.Linear(3, 1)
fit(model, torch.optim.SGD(model.parameters(), lr=0.01), [(torch.randn(8, 3), torch.randn(8, 1))] * 50, History())
