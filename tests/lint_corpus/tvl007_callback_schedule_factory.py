# expect: TVL007
# A callback is given a function that builds its schedule (cosine over the number of epochs)
# and steps it in the event the learner fires after every batch.
import torch
import torch.nn as nn


def cosine_over(opt, n_epochs):
    return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=n_epochs)


class ScheduleCB:
    def __init__(self, make):
        self.make = make

    def begin_fit(self, lrn):
        self.schedule = self.make(lrn.opt, lrn.n_epochs)

    def batch_done(self, lrn):
        self.schedule.step()

    def epoch_done(self, lrn):
        pass


class Learner:
    def __init__(self, model, cbs):
        self.model, self.cbs = model, cbs
        self.opt = torch.optim.SGD(model.parameters(), lr=0.05)

    def fire(self, name):
        for cb in self.cbs:
            getattr(cb, name)(self)

    def fit(self, batches, n_epochs):
        self.n_epochs = n_epochs
        self.fire("begin_fit")
        for _ in range(n_epochs):
            for x, y in batches:
                loss = nn.functional.mse_loss(self.model(x), y)
                loss.backward()
                self.opt.step()
                self.opt.zero_grad()
                self.fire("batch_done")
            self.fire("epoch_done")


Learner(nn.Linear(2, 1), [ScheduleCB(cosine_over)]).fit([(torch.randn(4, 2), torch.randn(4, 1))] * 25, 20)
