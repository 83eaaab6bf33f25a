# expect: TVL001
# The forward context comes from a small factory keyed by a run-mode field of a dataclass
# config; the default mode is the memory-saving one, which turns autograd off, and the
# training step runs its forward under it: the loss reaches no parameter.
import contextlib
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class RunOptions:
    mode: str = "lowmem"
    lr: float = 0.01


def forward_context(mode):
    if mode == "amp":
        return torch.autocast("cuda", dtype=torch.float16)
    if mode == "lowmem":
        return torch.inference_mode()
    return contextlib.nullcontext()


class Fitter:
    def __init__(self, opts):
        self.opts = opts
        self.net = nn.Sequential(nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 1))
        self.optim = torch.optim.SGD(self.net.parameters(), lr=opts.lr)

    def step(self, xb, yb):
        with forward_context(self.opts.mode):
            pred = self.net(xb)
        loss = nn.functional.mse_loss(pred, yb)
        self.optim.zero_grad()
        loss.backward()
        self.optim.step()

    def fit(self, data):
        for xb, yb in data:
            self.step(xb, yb)


Fitter(RunOptions()).fit(loader)
