# expect: clean
# The parsed options travel as a whole: main() hands them to fit(), fit() to a Restorer that
# keeps them; the load reads a field of the kept object (no name on the way says "args").
import argparse

import torch
import torch.nn as nn


def read_settings():
    ap = argparse.ArgumentParser()
    ap.add_argument("--warm-start", default="")
    ap.add_argument("--steps", type=int, default=200)
    return ap.parse_args()


class Restorer:
    def __init__(self, settings):
        self.settings = settings

    def warm_start(self, net):
        if self.settings.warm_start:
            blob = torch.load(self.settings.warm_start, map_location="cpu", weights_only=True)
            net.load_state_dict(blob["weights"])


def fit(settings):
    net = nn.Linear(8, 2)
    Restorer(settings).warm_start(net)
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    for _ in range(settings.steps):
        loss = net(torch.randn(4, 8)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


if __name__ == "__main__":
    fit(read_settings())
