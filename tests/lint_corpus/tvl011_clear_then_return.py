# expect: TVL011
# A trainer's step() clears the gradients and returns when the clipped norm blows up: the skipped
# update leaves no trace, so a run that skips half its steps looks merely slow.
import torch
import torch.nn as nn


class Stepper:
    def __init__(self, net, opt, limit=10.0):
        self.net, self.opt, self.limit = net, opt, limit

    def update(self):
        total = nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)
        if total > self.limit:
            self.opt.zero_grad()
            return
        self.opt.step()
        self.opt.zero_grad()


net = nn.Linear(4, 1)
stepper = Stepper(net, torch.optim.SGD(net.parameters(), lr=0.1))
for _ in range(50):
    net(torch.randn(8, 4)).pow(2).mean().backward()
    stepper.update()
