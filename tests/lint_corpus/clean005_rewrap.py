# expect: clean
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        layers = []
        for _ in range(3):
            layers.append(nn.Linear(8, 8))
        self.body = nn.Sequential(*layers)
        self.blocks = [nn.Conv2d(3, 3, 3) for _ in range(2)]
        self.blocks = nn.ModuleList(self.blocks)
