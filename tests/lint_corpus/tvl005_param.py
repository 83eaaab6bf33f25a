# expect: TVL005
import torch
import torch.nn as nn


class Scale(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.gamma = torch.ones(dim, requires_grad=True)

    def forward(self, x):
        return x * self.gamma
