# expect: TVL007
import torch


class Trainer:
    def __init__(self, model):
        self.opt = torch.optim.Adam(model.parameters())
        self.sched = torch.optim.lr_scheduler.MultiStepLR(self.opt, milestones=[30, 60], gamma=0.1)
        self.model = model

    def fit(self, loader, epochs):
        for epoch in range(epochs):
            for x, y in loader:
                self.sched.step()
                self.opt.zero_grad()
                self.model.loss(x, y).backward()
                self.opt.step()
