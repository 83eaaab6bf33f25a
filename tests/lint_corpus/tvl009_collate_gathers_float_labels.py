# expect: TVL009
# Tabular classifier: the records array is float, so the class column read per item is a float
# number; the collate gathers it with a list comprehension and cross_entropy sees float classes.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Records(Dataset):
    def __init__(self, rows=640, width=12, classes=4):
        self.table = np.random.rand(rows, width + 1)
        self.table[:, -1] = np.random.randint(0, classes, size=rows)

    def __len__(self):
        return self.table.shape[0]

    def __getitem__(self, k):
        return self.table[k, :-1], self.table[k, -1]


def gather(items):
    feats = torch.tensor(np.stack([it[0] for it in items]), dtype=torch.float32)
    cls = torch.as_tensor(np.asarray([it[1] for it in items]))
    return feats, cls


net = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 4))
sgd = torch.optim.SGD(net.parameters(), lr=0.05)
for feats, cls in DataLoader(Records(), batch_size=16, shuffle=True, collate_fn=gather):
    loss = F.cross_entropy(net(feats), cls)
    sgd.zero_grad()
    loss.backward()
    sgd.step()
