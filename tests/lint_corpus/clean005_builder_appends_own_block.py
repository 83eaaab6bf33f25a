# expect: clean
# The same builder of residual blocks defined in this file, with the model wrapping the list
# it returns in nn.ModuleList so the blocks are registered.
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
        self.blocks = nn.ModuleList(stack_blocks(width, depth))
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
