# expect: TVL005
# Multi-task heads made by a module-level factory returning a plain dict, stored as-is.
import torch.nn as nn


def task_heads(tasks, width):
    return {name: nn.Linear(width, n_out) for name, n_out in tasks}


class MultiTask(nn.Module):
    def __init__(self, tasks, width=256):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(64, width), nn.GELU())
        self.heads = task_heads(tasks, width)

    def forward(self, x):
        h = self.trunk(x)
        return {name: head(h) for name, head in self.heads.items()}
