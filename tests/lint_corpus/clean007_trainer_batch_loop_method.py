# expect: clean
# A trainer builds a MultiStepLR with milestones in epochs in __init__; its `run_epoch` method
# loops over the batches, and `fit` calls `run_epoch` once per epoch and then steps the
# schedule: once an epoch, as the milestones mean.
import torch
import torch.nn as nn


class Trainer:
    def __init__(self, model, batches, epochs):
        self.model, self.batches, self.epochs = model, batches, epochs
        self.opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        self.lr_sched = torch.optim.lr_scheduler.MultiStepLR(self.opt, milestones=[60, 80], gamma=0.1)

    def run_epoch(self):
        self.model.train()
        for x, y in self.batches:
            loss = nn.functional.cross_entropy(self.model(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()

    def fit(self):
        for ep in range(self.epochs):
            self.run_epoch()
            self.lr_sched.step()


batches = [(torch.randn(16, 12), torch.randint(0, 4, (16,))) for _ in range(30)]
Trainer(nn.Linear(12, 4), batches, 100).fit()
