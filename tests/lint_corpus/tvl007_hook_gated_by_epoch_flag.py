# expect: TVL007
import torch
import torch.nn.functional as F
class Hook:
    def after_train_iter(self, runner): pass
    def after_train_epoch(self, runner): pass
class SchedHook(Hook):
    def __init__(self, by_epoch=True):
        self.by_epoch = by_epoch
    def after_train_iter(self, runner):
        runner.scheduler.step()
    def after_train_epoch(self, runner):
        if self.by_epoch:
            runner.scheduler.step()
class Runner:
    def __init__(self, model, optimizer, scheduler, hooks):
        self.model, self.optimizer, self.scheduler, self.hooks = model, optimizer, scheduler, hooks
    def call(self, name):
        for h in self.hooks:
            getattr(h, name)(self)
    def run(self, loader, epochs):
        for epoch in range(epochs):
            for x, y in loader:
                loss = F.mse_loss(self.model(x), y)
                self.optimizer.zero_grad(); loss.backward(); self.optimizer.step()
                self.call("after_train_iter")
            self.call("after_train_epoch")
m = torch.nn.Linear(3, 1)
o = torch.optim.SGD(m.parameters(), lr=0.1)
Runner(m, o, torch.optim.lr_scheduler.StepLR(o, step_size=30), [SchedHook(by_epoch=True)]).run(loader, 90)
