# expect: TVL012
"""An mmcv-like runner: after each iteration it keeps the step's outputs (the loss tensor among
them) on itself and calls every hook's `after_iter` by name. The text logger hook adds
`runner.outputs["loss"]` into its own running total, which lives as long as the hook."""
import torch
from torch import nn


class TextLogger:
    def __init__(self, every=50):
        self.every, self.running, self.count = every, 0.0, 0

    def after_iter(self, runner):
        self.running += runner.outputs["loss"]
        self.count += 1
        if self.count % self.every == 0:
            print(f"iter {self.count}: {float(self.running) / self.count:.4f}")


class Runner:
    def __init__(self, model, optimizer, hooks):
        self.model, self.optimizer, self.hooks = model, optimizer, hooks
        self.outputs = {}

    def fire(self, event):
        for hook in self.hooks:
            getattr(hook, event)(self)

    def run(self, batches):
        for feats, target in batches:
            loss = nn.functional.smooth_l1_loss(self.model(feats), target)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            self.outputs = {"loss": loss, "batch": feats.size(0)}
            self.fire("after_iter")


m = nn.Linear(6, 1)
Runner(m, torch.optim.SGD(m.parameters(), lr=0.01), [TextLogger()]).run([(torch.randn(32, 6), torch.randn(32, 1))] * 200)
