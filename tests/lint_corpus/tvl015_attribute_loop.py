# expect: TVL015
# The loader is kept on self under a neutral name; fit() trains on it, and it never shuffles.
import torch
from torch.utils.data import DataLoader


class Fitter:
    def __init__(self, net, samples):
        self.net = net
        self.batches = DataLoader(samples, batch_size=20, num_workers=2)
        self.opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)

    def fit(self, epochs):
        for _ in range(epochs):
            for x, y in self.batches:
                self.opt.zero_grad()
                torch.nn.functional.cross_entropy(self.net(x), y).backward()
                self.opt.step()
