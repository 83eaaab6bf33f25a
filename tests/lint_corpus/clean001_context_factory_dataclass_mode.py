# expect: clean
# The forward context comes from a small factory keyed by a run-mode field of a dataclass
# config; the memory-saving mode would turn autograd off, but the default mode is mixed
# precision, so the training forward keeps its graph.
import contextlib
from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class RunOptions:
    mode: str = "amp"
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
