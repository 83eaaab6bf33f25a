# expect: clean
import weakref

import torch
import torch.nn as nn
import torch.nn.functional as F


class Callback:
    def on_epoch_end(self):
        pass


class Validation(Callback):
    def __init__(self, batches):
        self.batches = batches

    def on_epoch_end(self):
        self.engine.net.eval()
        with torch.no_grad():
            err = sum(F.mse_loss(self.engine.net(x), y).item() for x, y in self.batches)
        print("val mse", err / len(self.batches))
        self.engine.net.train()


class Engine:
    def __init__(self, net, opt, callbacks):
        self.net, self.opt = net, opt
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            cb.engine = weakref.proxy(self)

    def fit(self, batches, epochs):
        self.net.train()
        for epoch in range(epochs):
            for x, y in batches:
                loss = F.mse_loss(self.net(x), y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
            for cb in self.callbacks:
                cb.on_epoch_end()


net = nn.Sequential(nn.Linear(6, 32), nn.Dropout(0.3), nn.Linear(32, 1))
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
data = [(torch.randn(16, 6), torch.randn(16, 1)) for _ in range(20)]
Engine(net, opt, [Validation(data[:4])]).fit(data, 10)
