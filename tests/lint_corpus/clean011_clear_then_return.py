# expect: clean
# Twin of tvl011_clear_then_return: the early return counts the skipped update, so a run that
# skips many steps shows it.
import torch
import torch.nn as nn


class Stepper:
    def __init__(self, net, opt, limit=10.0):
        self.net, self.opt, self.limit = net, opt, limit
        self.skipped = 0

    def update(self):
        total = nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)
        if total > self.limit:
            self.opt.zero_grad()
            self.skipped += 1
            return
        self.opt.step()
        self.opt.zero_grad()


net = nn.Linear(4, 1)
stepper = Stepper(net, torch.optim.SGD(net.parameters(), lr=0.1))
for _ in range(50):
    net(torch.randn(8, 4)).pow(2).mean().backward()
    stepper.update()
