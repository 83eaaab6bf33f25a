# expect: TVL007
# The learner builds its own cosine schedule in __init__ (period = the number of epochs, through a
# small factory) and steps it in `fit_batch`, which the epoch loop runs for every batch in a
# list comprehension: the cosine period is a handful of batches.
import torch
import torch.nn as nn


def make_schedule(opt, cfg):
    return torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.num_epochs)


class Learner:
    def __init__(self, net, cfg):
        self.net = net
        self.cfg = cfg
        self.opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr)
        self.sched = make_schedule(self.opt, cfg)

    def fit_batch(self, xb, yb):
        loss = nn.functional.cross_entropy(self.net(xb), yb)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.sched.step()
        return loss.item()

    def fit(self, batches):
        for ep in range(self.cfg.num_epochs):
            losses = [self.fit_batch(xb, yb) for xb, yb in batches]
            print(ep, sum(losses) / len(losses))


class Cfg:
    lr = 1e-3
    num_epochs = 30


batches = [(torch.randn(8, 10), torch.randint(0, 3, (8,))) for _ in range(50)]
Learner(nn.Linear(10, 3), Cfg()).fit(batches)
