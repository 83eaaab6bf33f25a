# expect: clean
# The same three shapes done right: the builder's dict and the comprehension are wrapped in
# ModuleDict/ModuleList, and the logit scale is an nn.Parameter; a frozen constant keeps
# requires_grad_(False).
import math

import torch
import torch.nn as nn


def task_heads(tasks, width):
    return {name: nn.Linear(width, n_out) for name, n_out in tasks}


class MultiTask(nn.Module):
    def __init__(self, tasks, width=256, chans=(64, 128)):
        super().__init__()
        self.heads = nn.ModuleDict(task_heads(tasks, width))
        self.stages = nn.ModuleList([self._stage(a, b) for a, b in zip(chans, chans[1:])])
        self.logit_scale = nn.Parameter(torch.ones([]).mul(math.log(1 / 0.07)))
        self.prior = torch.ones(4).log().requires_grad_(False)
        self.names = [name for name, _ in tasks]

    def _stage(self, c_in, c_out):
        return nn.Sequential(nn.Linear(c_in, c_out), nn.ReLU())

    def forward(self, x):
        for stage in self.stages:
            x = stage(x)
        return {n: self.logit_scale.exp() * self.heads[n](x) for n in self.names}
