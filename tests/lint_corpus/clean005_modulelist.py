# expect: clean
import torch
import torch.nn as nn


class MLP(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(dims, dims[1:])])
        self.gamma = nn.Parameter(torch.ones(dims[-1]))
        self.sizes = [a * b for a, b in zip(dims, dims[1:])]
        self.cache = {}
