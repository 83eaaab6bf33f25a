# expect: TVL009
# The regressor's head is grown in a plain list (hidden blocks in a loop, then one output unit
# appended) and unpacked into nn.Sequential, so predictions are (B, 1); the dataset yields one
# float per item, so targets batch to (B,) and mse_loss broadcasts to (B, B).
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Readings(Dataset):
    def __init__(self, n):
        self.feats = torch.randn(n, 10)
        self.level = torch.rand(n) * 5.0

    def __len__(self):
        return len(self.level)

    def __getitem__(self, k):
        return self.feats[k], self.level[k]


def regressor(widths=(10, 64, 32)):
    stack = []
    for a, b in zip(widths[:-1], widths[1:]):
        stack += [nn.Linear(a, b), nn.GELU()]
    stack.append(nn.Linear(widths[-1], 1))
    return nn.Sequential(*stack)


fit_set, dev_set = Readings(4096), Readings(512)
net = regressor()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
for epoch in range(10):
    for feats, level in DataLoader(fit_set, batch_size=64, shuffle=True):
        loss = F.mse_loss(net(feats), level)
        opt.zero_grad()
        loss.backward()
        opt.step()
