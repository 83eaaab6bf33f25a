# expect: clean
# Twin of tvl005_init_plain_tensor: the factors are Parameters (made from the initialised
# tensors), and a fixed projection is a registered buffer.
import torch
import torch.nn as nn


class LowRankDelta(nn.Module):
    def __init__(self, d_in, d_out, r=8):
        super().__init__()
        down = torch.zeros(d_in, r)
        nn.init.normal_(down, std=0.02)
        self.down = nn.Parameter(down)
        self.up = nn.Parameter(torch.zeros(r, d_out))
        self.register_buffer("proj", torch.empty(d_out, d_out))
        nn.init.orthogonal_(self.proj)

    def forward(self, x):
        return (x @ self.down @ self.up) @ self.proj
