# expect: TVL015
# The order is a command-line flag that is off by default: a run that does not pass --shuffle
# trains on the rows in file order (the loader's name does not say "train"; its loop does).
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def options():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--shuffle", action="store_true", default=False)
    return p.parse_args()


class Fitter:
    def __init__(self, opt, rows, labels):
        self.net = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 3))
        self.optim = torch.optim.Adam(self.net.parameters(), lr=3e-4)
        self.batches = DataLoader(TensorDataset(rows, labels), batch_size=64, shuffle=opt.shuffle)
        self.epochs = opt.epochs

    def run(self):
        for _ in range(self.epochs):
            for xb, yb in self.batches:
                loss = nn.functional.cross_entropy(self.net(xb), yb)
                self.optim.zero_grad()
                loss.backward()
                self.optim.step()


if __name__ == "__main__":
    rows, labels = torch.randn(900, 12), torch.arange(900) % 3
    Fitter(options(), rows, labels).run()
