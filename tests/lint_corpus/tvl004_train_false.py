# expect: TVL004
import torch


class Runner:
    def __init__(self, model):
        self.model = model
        self.opt = torch.optim.Adam(self.model.parameters())

    def run(self, epochs, loader):
        self.model.train()
        for epoch in range(epochs):
            for x, y in loader:
                self.opt.zero_grad()
                loss = self.model(x, y)
                loss.backward()
                self.opt.step()
            self.model.train(False)
            self.report()
