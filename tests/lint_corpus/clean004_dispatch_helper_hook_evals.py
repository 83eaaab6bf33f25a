# expect: clean
# The fit loop fires events through a helper that looks each hook method up by name; a scoring
# hook puts the network in eval mode at the end of every epoch and turns training back on after.
import torch
import torch.nn as nn


class Scorer:
    def __init__(self, batches):
        self.batches = batches

    def epoch_done(self, fit):
        fit.net.eval()
        with torch.no_grad():
            fit.score = sum(float(fit.net(x).mean()) for x, _ in self.batches)
        fit.net.train()

    def start(self, fit):
        pass


class Fit:
    def __init__(self, net, batches, hooks):
        self.net, self.batches, self.hooks = net, batches, hooks
        self.opt = torch.optim.Adam(net.parameters())
        self.score = 0.0

    def emit(self, event):
        for h in self.hooks:
            getattr(h, event)(self)

    def run(self, epochs):
        self.net.train()
        self.emit("start")
        for _ in range(epochs):
            for x, y in self.batches:
                self.opt.zero_grad()
                nn.functional.mse_loss(self.net(x), y).backward()
                self.opt.step()
            self.emit("epoch_done")


data = [(torch.randn(4, 5), torch.randn(4, 1))]
net = nn.Sequential(nn.Linear(5, 8), nn.Dropout(0.2), nn.Linear(8, 1))
Fit(net, data, [Scorer(data)]).run(3)
