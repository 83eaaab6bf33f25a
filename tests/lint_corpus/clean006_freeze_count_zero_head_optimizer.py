# expect: clean
# The settings freeze the first `frozen_blocks` blocks (all four here), and the optimizer is
# given the classifier alone: only what trains is optimized.
from types import SimpleNamespace

import torch
import torch.nn as nn


def make_config():
    return SimpleNamespace(frozen_blocks=4, lr=0.02, steps=200)


class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(16, 16) for _ in range(4)])
        self.classifier = nn.Linear(16, 3)

    def forward(self, x):
        for b in self.blocks:
            x = torch.relu(b(x))
        return self.classifier(x)


def freeze_first(blocks, count):
    for i in range(len(blocks)):
        if i < count:
            blocks[i].requires_grad_(False)


cfg = make_config()
net = Stack()
freeze_first(net.blocks, cfg.frozen_blocks)
opt = torch.optim.SGD(net.classifier.parameters(), lr=cfg.lr)
for _ in range(cfg.steps):
    x, y = torch.randn(32, 16), torch.randint(0, 3, (32,))
    loss = nn.functional.cross_entropy(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
