# expect: TVL007
import torch
import torch.nn.functional as F


class Callback:
    def on_batch_end(self):
        pass

    def on_epoch_end(self):
        pass


class LRStepper(Callback):
    def on_batch_end(self):
        self.scheduler.step()


class Fitter:
    def __init__(self, model, optimizer, scheduler, callbacks):
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.callbacks = callbacks
        for cb in callbacks:
            cb.scheduler = self.scheduler

    def run(self, batches, epochs):
        for epoch in range(epochs):
            for x, y in batches:
                loss = F.mse_loss(self.model(x), y)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                for cb in self.callbacks:
                    cb.on_batch_end()
            for cb in self.callbacks:
                cb.on_epoch_end()


model = torch.nn.Linear(4, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.5)
Fitter(model, opt, sched, [LRStepper()]).run([], 60)
