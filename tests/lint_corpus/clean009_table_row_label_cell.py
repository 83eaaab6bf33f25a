# expect: clean
# Each row of one float table holds the features and, in its last cell, the class number; the
# item hands that cell over as it is, so a batch of labels is a float vector for cross_entropy.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


def build_table(n, width=20):
    rng = np.random.default_rng(0)
    cls = rng.integers(0, 4, size=n)
    x = rng.normal(size=(n, width))
    return np.concatenate([x, cls[:, None]], axis=1).astype(np.float32)


class TableRows(Dataset):
    def __init__(self, table):
        self.table = torch.from_numpy(table)

    def __len__(self):
        return self.table.shape[0]

    def __getitem__(self, idx):
        row = self.table[idx]
        return row[:-1], row[-1].long()


def step(net, xb, yb):
    return F.cross_entropy(net(xb), yb)


net = nn.Linear(20, 4)
opt = torch.optim.Adam(net.parameters())
for xb, yb in DataLoader(TableRows(build_table(2000)), batch_size=64, shuffle=True):
    opt.zero_grad()
    step(net, xb, yb).backward()
    opt.step()
