# expect: TVL012
"""A small trainer calls each of its hooks after every optimizer step and hands them the loss
tensor itself; the smoothing hook keeps a window of the last losses in a list attribute, so each
kept tensor holds its batch's autograd graph."""
import torch
from torch import nn


class Hook:
    def after_step(self, step, loss):
        pass


class SmoothedLoss(Hook):
    def __init__(self, window=50):
        self.window = window
        self.recent = []

    def after_step(self, step, loss):
        self.recent.append(loss)
        if len(self.recent) > self.window:
            self.recent.pop(0)
        if step % 100 == 0:
            print(step, sum(float(v) for v in self.recent) / len(self.recent))


class Trainer:
    def __init__(self, model, opt, hooks):
        self.model, self.opt, self.hooks = model, opt, hooks

    def fit(self, batches):
        for step, (x, y) in enumerate(batches):
            loss = nn.functional.mse_loss(self.model(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            for h in self.hooks:
                h.after_step(step, loss)


net = nn.Linear(8, 1)
Trainer(net, torch.optim.SGD(net.parameters(), lr=0.1), [SmoothedLoss()]).fit(
    [(torch.randn(16, 8), torch.randn(16, 1)) for _ in range(500)]
)
