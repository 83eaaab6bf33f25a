# expect: TVL013
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.LSTM(32, 64)
        self.head = nn.Linear(64, 2)

    def forward(self, x):
        h, _ = self.encoder.forward(x)
        return self.head(h)
