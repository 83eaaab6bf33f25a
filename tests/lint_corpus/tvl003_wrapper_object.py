# expect: TVL003
import torch
import torch.nn as nn


class Updater:
    """Applies one optimisation update from a loss."""

    def __init__(self, opt, max_norm=1.0):
        self.opt = opt
        self.max_norm = max_norm

    def apply(self, loss, params):
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, self.max_norm)
        self.opt.step()


class Learner:
    def __init__(self, net, updater):
        self.net = net
        self.updater = updater

    def fit(self, batches, epochs=3):
        self.net.train()
        for _ in range(epochs):
            for xb, yb in batches:
                loss = nn.functional.mse_loss(self.net(xb), yb)
                self.updater.apply(loss, self.net.parameters())


net = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))
learner = Learner(net, Updater(torch.optim.RMSprop(net.parameters(), lr=1e-3)))
learner.fit([(torch.randn(64, 8), torch.randn(64, 1)) for _ in range(20)])
