# expect: TVL005
# A builder fills a plain list with residual blocks defined in this file (not spelled nn.X) and
# the model keeps that list as an attribute: the blocks are not registered, so their weights
# are neither optimized, moved to the device nor saved.
import torch
import torch.nn as nn


class Residual(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.fc = nn.Linear(width, width)

    def forward(self, x):
        return x + torch.tanh(self.fc(x))


def stack_blocks(width, depth):
    blocks = []
    for _ in range(depth):
        blocks.append(Residual(width))
    return blocks


class Tower(nn.Module):
    def __init__(self, width=32, depth=4):
        super().__init__()
        self.blocks = stack_blocks(width, depth)
        self.head = nn.Linear(width, 1)

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        return self.head(x)


tower = Tower()
opt = torch.optim.Adam(tower.parameters(), lr=1e-3)
for x, y in batches:
    loss = (tower(x).squeeze(-1) - y).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
