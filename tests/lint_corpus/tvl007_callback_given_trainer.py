# expect: TVL007
import torch
import torch.nn.functional as F


class Callback:
    def on_batch_end(self, trainer):
        pass

    def on_epoch_end(self, trainer):
        pass


class DecayLR(Callback):
    def on_batch_end(self, trainer):
        trainer.lr_sched.step()


class Trainer:
    def __init__(self, net, opt, lr_sched, callbacks):
        self.net = net
        self.opt = opt
        self.lr_sched = lr_sched
        self.callbacks = callbacks

    def fit(self, loader, epochs):
        for epoch in range(epochs):
            for x, y in loader:
                loss = F.cross_entropy(self.net(x), y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                for cb in self.callbacks:
                    cb.on_batch_end(self)
            for cb in self.callbacks:
                cb.on_epoch_end(self)


net = torch.nn.Linear(8, 4)
opt = torch.optim.SGD(net.parameters(), lr=0.05)
lr_sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
Trainer(net, opt, lr_sched, [DecayLR()]).fit(train_loader, 40)
