# expect: clean
# Twin of tvl005_dict_filled_builder: the filled dict is wrapped in nn.ModuleDict.
from collections import OrderedDict

import torch.nn as nn


def make_decoders(names, width):
    out = OrderedDict()
    for nm in names:
        out[nm] = nn.Linear(width, 1)
    return out


class Net(nn.Module):
    def __init__(self, names, width=32):
        super().__init__()
        self.trunk = nn.Linear(16, width)
        self.decoders = nn.ModuleDict(make_decoders(names, width))

    def forward(self, x):
        h = self.trunk(x)
        return {k: d(h) for k, d in self.decoders.items()}
