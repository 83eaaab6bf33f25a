# expect: clean
import torch
import torch.nn as nn


def residual_mlp_layers(width, depth):
    layers = []
    for _ in range(depth):
        layers.append(nn.Linear(width, width))
    return layers


class DeepMLP(nn.Module):
    def __init__(self, d_in=20, width=128, depth=6):
        super().__init__()
        self.inp = nn.Linear(d_in, width)
        self.hidden = nn.ModuleList(residual_mlp_layers(width, depth))
        self.out = nn.Linear(width, 1)

    def forward(self, x):
        h = torch.relu(self.inp(x))
        for lin in self.hidden:
            h = h + torch.relu(lin(h))
        return self.out(h)
