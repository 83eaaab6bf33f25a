# expect: clean
# Full-batch training: the trainer's own loop runs over epochs and steps the StepLR once per
# epoch; the script repeats the whole fit for several seeds, which is no batch loop.
import torch
import torch.nn as nn


class FullBatch:
    def __init__(self, model, X, y):
        self.model, self.X, self.y = model, X, y
        self.opt = torch.optim.Adam(model.parameters(), lr=0.01)
        self.sched = torch.optim.lr_scheduler.StepLR(self.opt, step_size=50, gamma=0.5)

    def fit(self):
        for epoch in range(200):
            loss = nn.functional.mse_loss(self.model(self.X), self.y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            self.sched.step()


for seed in range(5):
    torch.manual_seed(seed)
    FullBatch(nn.Linear(3, 1), torch.randn(100, 3), torch.randn(100, 1)).fit()
