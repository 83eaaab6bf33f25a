# expect: TVL005
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = [nn.Linear(a, b) for a, b in zip(dims, dims[1:])]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x).relu()
        return x
