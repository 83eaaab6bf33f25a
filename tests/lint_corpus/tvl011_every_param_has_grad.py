# expect: TVL011
# A two-branch model where only one branch runs per batch; the step waits until every parameter
# has a gradient, so each batch's step is dropped and nothing says so.
import random

import torch
import torch.nn as nn


class TwoWay(nn.Module):
    def __init__(self):
        super().__init__()
        self.left = nn.Linear(6, 2)
        self.right = nn.Linear(6, 2)

    def forward(self, x, side):
        return self.left(x) if side == 0 else self.right(x)


net = TwoWay()
adam = torch.optim.Adam(net.parameters(), lr=1e-3)
for batch in range(400):
    adam.zero_grad(set_to_none=True)
    x = torch.randn(16, 6)
    net(x, random.randint(0, 1)).pow(2).mean().backward()
    if all(w.grad is not None for w in net.parameters()):
        adam.step()
