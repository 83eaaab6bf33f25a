# expect: clean
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Prices(Dataset):
    def __init__(self, n=2000):
        self.x = np.random.rand(n, 6).astype(np.float32)
        self.y = self.x.sum(axis=1) + np.random.normal(0, 0.1, size=n)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], np.float32(self.y[i : i + 1])


net = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.Adam(net.parameters())
for x, y in DataLoader(Prices(), batch_size=50, shuffle=True):
    loss = nn.functional.mse_loss(net(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
