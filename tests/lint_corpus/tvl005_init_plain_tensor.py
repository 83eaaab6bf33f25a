# expect: TVL005
# A low-rank side branch whose factors are plain tensors given a weight initialiser: meant to
# learn, never registered.
import torch
import torch.nn as nn


class LowRankDelta(nn.Module):
    def __init__(self, d_in, d_out, r=8):
        super().__init__()
        self.down = torch.zeros(d_in, r)
        self.up = torch.zeros(r, d_out)
        nn.init.normal_(self.down, std=0.02)

    def forward(self, x):
        return x @ self.down @ self.up
