# expect: TVL005
# A private builder method returns its stack of layers as a plain list.
import torch
import torch.nn as nn


class Tower(nn.Module):
    def __init__(self, widths):
        super().__init__()
        self.stack = self._stack(widths)
        self.head = nn.Linear(widths[-1], 1)

    def _stack(self, widths):
        out = []
        for a, b in zip(widths[:-1], widths[1:]):
            out.append(nn.Linear(a, b))
        return out

    def forward(self, x):
        for layer in self.stack:
            x = torch.tanh(layer(x))
        return self.head(x)
