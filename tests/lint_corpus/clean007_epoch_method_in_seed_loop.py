# expect: clean
# The schedule is stepped by a method called after each epoch's batch loop; the whole fit runs
# once per seed, so the step sits two loops deep through calls but still runs once an epoch.
import torch
import torch.nn as nn


class Trainer:
    def __init__(self, model, loader, max_epochs):
        self.model, self.loader, self.n = model, loader, max_epochs
        self.opt = torch.optim.SGD(model.parameters(), lr=0.1)
        self.sched = torch.optim.lr_scheduler.StepLR(self.opt, step_size=10)

    def end_epoch(self):
        self.sched.step()

    def run_epoch(self):
        for x, y in self.loader:
            loss = nn.functional.mse_loss(self.model(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
        self.end_epoch()

    def fit(self):
        for _ in range(self.n):
            self.run_epoch()


for seed in range(3):
    torch.manual_seed(seed)
    Trainer(nn.Linear(3, 1), [(torch.randn(4, 3), torch.randn(4, 1))], 30).fit()
