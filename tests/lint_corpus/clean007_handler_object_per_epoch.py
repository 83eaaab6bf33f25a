# expect: clean
# A small event engine calls handler objects; the one that advances the schedule is an instance
# with __call__, registered on the end-of-epoch event, so the StepLR decays every 5 epochs as meant.
import torch
import torch.nn as nn


class Loop:
    def __init__(self, update):
        self.update = update
        self.listeners = {}

    def add_event_handler(self, event, fn):
        self.listeners.setdefault(event, []).append(fn)

    def run(self, data, n_epochs):
        for _ in range(n_epochs):
            for batch in data:
                self.update(self, batch)
                for fn in self.listeners.get("iteration_completed", []):
                    fn(self)
            for fn in self.listeners.get("epoch_completed", []):
                fn(self)


class AdvanceSchedule:
    def __init__(self, sched):
        self.sched = sched

    def __call__(self, loop):
        self.sched.step()


net = nn.Linear(6, 2)
opt = torch.optim.SGD(net.parameters(), lr=0.05)
decay = torch.optim.lr_scheduler.StepLR(opt, step_size=5, gamma=0.5)


def update(loop, batch):
    x, y = batch
    opt.zero_grad()
    nn.functional.mse_loss(net(x), y).backward()
    opt.step()


loop = Loop(update)
loop.add_event_handler("epoch_completed", AdvanceSchedule(decay))
loop.run([(torch.randn(3, 6), torch.randn(3, 2))], n_epochs=20)
