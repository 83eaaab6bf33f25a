# expect: TVL004
# An iteration-based trainer runs its hooks after every step; the evaluation hook switches the
# network to eval() and leaves it there for the rest of training.
import torch
import torch.nn as nn


class PeriodicEval:
    def __init__(self, every, batches):
        self.every, self.batches = every, batches

    def after_iter(self, trainer):
        if trainer.it % self.every:
            return
        net = trainer.net
        net.eval()
        with torch.no_grad():
            print(sum(nn.functional.mse_loss(net(x), y).item() for x, y in self.batches))


class IterTrainer:
    def __init__(self, net, opt, hooks):
        self.net, self.opt, self.hooks, self.it = net, opt, hooks, 0

    def run(self, stream, iters):
        self.net.train()
        for self.it in range(iters):
            x, y = next(stream)
            loss = nn.functional.mse_loss(self.net(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            for hk in self.hooks:
                hk.after_iter(self)


def forever():
    while True:
        yield torch.randn(8, 4), torch.randn(8, 1)


net = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.2), nn.Linear(8, 1))
IterTrainer(net, torch.optim.SGD(net.parameters(), lr=0.1), [PeriodicEval(50, [next(forever())])]).run(forever(), 500)
