# expect: clean
# Twin of tvl007_hook_given_built_schedule: the hook steps the schedule in its per-epoch method.
import torch
import torch.nn as nn

conf = dict(milestones=[6, 9], gamma=0.1, epochs=12)


def schedule_for(optim, c):
    return torch.optim.lr_scheduler.MultiStepLR(optim, milestones=c["milestones"], gamma=c["gamma"])


class SchedHook:
    def __init__(self, sched):
        self.sched = sched

    def on_iter_end(self, runner):
        pass

    def on_epoch_end(self, runner):
        self.sched.step()


class Runner:
    def __init__(self, net, optim, hooks):
        self.net, self.optim, self.hooks = net, optim, hooks

    def run(self, batches, epochs):
        for _ in range(epochs):
            for x, y in batches:
                loss = nn.functional.mse_loss(self.net(x), y)
                self.optim.zero_grad()
                loss.backward()
                self.optim.step()
                for hk in self.hooks:
                    hk.on_iter_end(self)
            for hk in self.hooks:
                hk.on_epoch_end(self)


net = nn.Linear(3, 1)
optim = torch.optim.SGD(net.parameters(), lr=0.1)
hook = SchedHook(schedule_for(optim, conf))
Runner(net, optim, [hook]).run([(torch.randn(4, 3), torch.randn(4, 1))] * 30, conf["epochs"])
