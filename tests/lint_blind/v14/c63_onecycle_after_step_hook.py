# expect: clean
# style: callback runner with a per-batch LR callback, OneCycleLR for a wide-resnet-like CIFAR model
# note: the scheduler is stepped every batch from a callback, but it is OneCycleLR sized with epochs*steps_per_epoch and the callback fires after optimizer.step()
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("runner")


class Callback:
    def after_step(self, r): pass
    def after_epoch(self, r): pass


class OneCycleCallback(Callback):
    def __init__(self, max_lr, epochs, steps_per_epoch):
        self.max_lr, self.epochs, self.steps = max_lr, epochs, steps_per_epoch
        self.sched = None

    def bind(self, optimizer):
        self.sched = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=self.max_lr, epochs=self.epochs,
                                                         steps_per_epoch=self.steps, div_factor=25)

    def after_step(self, r):
        self.sched.step()


class AccuracyCallback(Callback):
    def __init__(self, loader):
        self.loader = loader

    def after_epoch(self, r):
        r.model.eval()
        hit = 0
        with torch.no_grad():
            for x, y in self.loader:
                hit += (r.model(x).argmax(1) == y).sum().item()
        r.model.train()
        log.info("epoch %d acc %.4f lr %.4f", r.epoch, hit / len(self.loader.dataset), r.opt.param_groups[0]["lr"])


class Runner:
    def __init__(self, model, opt, callbacks):
        self.model, self.opt, self.cbs = model, opt, callbacks
        self.epoch = 0
        for cb in callbacks:
            if hasattr(cb, "bind"):
                cb.bind(opt)

    def fit(self, loader, epochs):
        self.model.train()
        for self.epoch in range(epochs):
            for x, y in loader:
                loss = F.cross_entropy(self.model(x), y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                for cb in self.cbs:
                    cb.after_step(self)
            for cb in self.cbs:
                cb.after_epoch(self)


def wide_block(cin, cout, stride):
    return nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(), nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(), nn.Dropout(0.1), nn.Conv2d(cout, cout, 3, 1, 1, bias=False))


class WRN(nn.Module):
    def __init__(self, k=4, n_classes=10):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.b1, self.b2, self.b3 = wide_block(16, 16 * k, 1), wide_block(16 * k, 32 * k, 2), wide_block(32 * k, 64 * k, 2)
        self.s2 = nn.Conv2d(16 * k, 32 * k, 1, 2, bias=False)
        self.s3 = nn.Conv2d(32 * k, 64 * k, 1, 2, bias=False)
        self.fc = nn.Linear(64 * k, n_classes)

    def forward(self, x):
        x = self.b1(self.stem(x))
        x = self.b2(x) + self.s2(x)
        x = self.b3(x) + self.s3(x)
        return self.fc(F.relu(x).mean((2, 3)))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    EPOCHS = 30
    x, y = torch.randn(5000, 3, 32, 32), torch.randint(0, 10, (5000,))
    train_loader = DataLoader(TensorDataset(x[:4500], y[:4500]), batch_size=128, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[4500:], y[4500:]), batch_size=500)
    model = WRN()
    opt = torch.optim.SGD(model.parameters(), lr=0.004, momentum=0.9, nesterov=True, weight_decay=5e-4)
    cbs = [OneCycleCallback(0.1, EPOCHS, len(train_loader)), AccuracyCallback(val_loader)]
    Runner(model, opt, cbs).fit(train_loader, EPOCHS)
