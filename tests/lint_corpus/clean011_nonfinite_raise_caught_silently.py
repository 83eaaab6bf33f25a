# expect: clean
# Clipping is asked to raise on a non-finite norm; the handler counts the skipped update
# before it returns.
import torch
import torch.nn as nn


class Learner:
    def __init__(self, net):
        self.net = net
        self.opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        self.skipped = 0

    def update(self, x, y):
        self.opt.zero_grad()
        nn.functional.mse_loss(self.net(x), y).backward()
        try:
            nn.utils.clip_grad_norm_(self.net.parameters(), 2.0, error_if_nonfinite=True)
        except RuntimeError:
            self.skipped += 1
            return
        self.opt.step()


learner = Learner(nn.Linear(5, 1))
for _ in range(100):
    learner.update(torch.randn(16, 5), torch.randn(16, 1))
