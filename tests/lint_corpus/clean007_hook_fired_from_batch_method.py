# expect: clean
# A small trainer fires named events at its hooks; the schedule hook builds a StepLR counted in
# epochs when the fit starts, and advances it on the event fired at the end of every epoch.
import torch
import torch.nn as nn


class DecayHook:
    def __init__(self, every=5):
        self.every = every

    def on_fit_start(self, trainer):
        self.sched = torch.optim.lr_scheduler.StepLR(trainer.opt, step_size=self.every, gamma=0.3)

    def on_batch_end(self, trainer):
        pass

    def on_epoch_end(self, trainer):
        self.sched.step()


class Trainer:
    def __init__(self, net, hooks):
        self.net, self.hooks = net, hooks
        self.opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def fire(self, event):
        for h in self.hooks:
            getattr(h, event)(self)

    def _batch(self, x, y):
        loss = nn.functional.mse_loss(self.net(x), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.fire("on_batch_end")

    def fit(self, data, epochs):
        self.fire("on_fit_start")
        for _ in range(epochs):
            for x, y in data:
                self._batch(x, y)
            self.fire("on_epoch_end")


Trainer(nn.Linear(4, 1), [DecayHook()]).fit([(torch.randn(8, 4), torch.randn(8, 1))] * 10, 30)
