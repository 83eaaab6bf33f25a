# expect: clean
# A callback keeps a `None` placeholder for its schedule and builds it in a setup hook from the
# values it was constructed with (milestones given in epochs), and steps it in the per-epoch
# hook: the learning rate drops at epoch 30 and 60 as intended.
import argparse

import torch


class DecayHook:
    def __init__(self, milestones):
        self.milestones = milestones
        self.schedule = None

    def before_fit(self, runner):
        self.schedule = torch.optim.lr_scheduler.MultiStepLR(runner.optim, milestones=self.milestones, gamma=0.1)

    def after_batch(self, runner):
        pass

    def after_epoch(self, runner):
        self.schedule.step()


class Runner:
    def __init__(self, net, optim, hooks):
        self.net, self.optim, self.hooks = net, optim, hooks

    def fit(self, data, epochs):
        for h in self.hooks:
            h.before_fit(self)
        for _ in range(epochs):
            for xb, yb in data:
                self.optim.zero_grad()
                torch.nn.functional.cross_entropy(self.net(xb), yb).backward()
                self.optim.step()
                for h in self.hooks:
                    h.after_batch(self)
            for h in self.hooks:
                h.after_epoch(self)


p = argparse.ArgumentParser()
p.add_argument("--decay-epochs", type=int, nargs="+", default=[30, 60])
opts = p.parse_args()
net = torch.nn.Linear(16, 4)
Runner(net, torch.optim.SGD(net.parameters(), lr=0.1), [DecayHook(opts.decay_epochs)]).fit(loader, 90)
