# expect: TVL011
# A base trainer asks an overridable method whether to step; the subclass refuses whenever a
# gradient is not finite, and the base class drops the step without counting or logging it.
import torch
import torch.nn as nn


class Trainer:
    def __init__(self, net, opt):
        self.net, self.opt = net, opt

    def ready_to_update(self):
        return True

    def fit_batch(self, x, y):
        self.opt.zero_grad()
        nn.functional.mse_loss(self.net(x), y).backward()
        if self.ready_to_update():
            self.opt.step()


class SafeTrainer(Trainer):
    def ready_to_update(self):
        return all(torch.isfinite(p.grad).all() for p in self.net.parameters() if p.grad is not None)


net = nn.Linear(4, 1)
trainer = SafeTrainer(net, torch.optim.SGD(net.parameters(), lr=0.1))
for _ in range(100):
    x = torch.randn(16, 4)
    trainer.fit_batch(x, x.mean(1, keepdim=True))
