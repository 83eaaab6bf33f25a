# expect: clean
# The same CSV read with np.loadtxt, its last column (the class) turned into integer class
# indices before cross_entropy sees it.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Rows(Dataset):
    def __init__(self, path):
        data = np.loadtxt(path, delimiter=",", dtype=np.float32)
        self.x = torch.from_numpy(data[:, :-1])
        self.y = torch.from_numpy(data[:, -1]).long()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 4))
opt = torch.optim.Adam(model.parameters())
for x, y in DataLoader(Rows("rows.csv"), batch_size=32, shuffle=True):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
