# expect: TVL004
import torch
import torch.nn.functional as F


class Callback:
    def on_epoch_end(self, epoch):
        pass


class Validate(Callback):
    def __init__(self, batches):
        self.batches = batches

    def on_epoch_end(self, epoch):
        self.model.eval()
        with torch.no_grad():
            print(epoch, sum(F.mse_loss(self.model(x), y).item() for x, y in self.batches))


class Fitter:
    def __init__(self, model, optimizer, callbacks):
        self.model, self.optimizer, self.callbacks = model, optimizer, callbacks
        for cb in callbacks:
            cb.model = self.model

    def run(self, batches, epochs):
        self.model.train()
        for epoch in range(epochs):
            for x, y in batches:
                loss = F.mse_loss(self.model(x), y)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
            for cb in self.callbacks:
                cb.on_epoch_end(epoch)


model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Dropout(0.2), torch.nn.Linear(8, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
Fitter(model, opt, [Validate([])]).run([], 3)
