# expect: TVL005
from torch import nn


class MultiHead(nn.Module):
    def __init__(self, tasks, dim):
        super().__init__()
        self.trunk = nn.Linear(dim, dim)
        self.heads = {t: nn.Linear(dim, 1) for t in tasks}

    def forward(self, x):
        h = self.trunk(x)
        return {t: head(h) for t, head in self.heads.items()}
