# expect: TVL015
# No loader name says "train": a tuple-returning builder makes both loaders, and the one handed to
# the backpropagating loop (a method running per batch) was built without shuffle.
from torch.utils.data import DataLoader


def loaders(fit_set, holdout_set, bs):
    return DataLoader(fit_set, batch_size=bs), DataLoader(holdout_set, batch_size=2 * bs)


class Learner:
    def __init__(self, net, opt, crit):
        self.net, self.opt, self.crit = net, opt, crit

    def one_batch(self, xb, yb):
        self.opt.zero_grad()
        self.crit(self.net(xb), yb).backward()
        self.opt.step()

    def epoch(self, dl):
        for xb, yb in dl:
            self.one_batch(xb, yb)


fit_dl, holdout_dl = loaders(fit_set, holdout_set, 64)
learner = Learner(net, opt, crit)
for _ in range(10):
    learner.epoch(fit_dl)
