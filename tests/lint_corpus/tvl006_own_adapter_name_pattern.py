# expect: TVL006
# Bottleneck adapters written in this file (no parameter-efficient library): the optimizer keeps
# the parameters whose names match the trainable patterns, but the base layers still require
# grad: they get gradients every step that are never applied.
import fnmatch

import torch
import torch.nn as nn

TRAINABLE = ["*.adapter.*", "out.*"]


class AdapterBlock(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.base = nn.Linear(d, d)
        self.adapter = nn.Sequential(nn.Linear(d, 8), nn.ReLU(), nn.Linear(8, d))

    def forward(self, x):
        h = self.base(x)
        return h + self.adapter(h)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.Sequential(AdapterBlock(32), AdapterBlock(32))
        self.out = nn.Linear(32, 3)

    def forward(self, x):
        return self.out(self.blocks(x))


net = Net()
picked = [w for key, w in net.named_parameters() if any(fnmatch.fnmatch(key, pat) for pat in TRAINABLE)]
opt = torch.optim.Adam(picked, lr=3e-4)
for _ in range(50):
    x, y = torch.randn(10, 32), torch.randint(0, 3, (10,))
    loss = nn.functional.cross_entropy(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
