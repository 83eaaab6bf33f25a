# expect: TVL005
import torch.nn as nn


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc = nn.Linear(dim, dim)


class Tower(nn.Module):
    def __init__(self, depth, dim):
        super().__init__()
        self.blocks = []
        for _ in range(depth):
            self.blocks.append(Block(dim))
