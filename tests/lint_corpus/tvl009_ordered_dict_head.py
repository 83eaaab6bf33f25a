# expect: TVL009
# An nn.Sequential built from an OrderedDict of named layers ends in one output unit: (B, 1)
# predictions against (B,) targets make MSELoss broadcast to (B, B).
from collections import OrderedDict

import torch
import torch.nn as nn

net = nn.Sequential(OrderedDict([("fc1", nn.Linear(5, 16)), ("act", nn.ReLU()), ("out", nn.Linear(16, 1))]))
x, y = torch.randn(256, 5), torch.randn(256)
opt = torch.optim.SGD(net.parameters(), lr=0.01)
for _ in range(100):
    loss = nn.MSELoss()(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
