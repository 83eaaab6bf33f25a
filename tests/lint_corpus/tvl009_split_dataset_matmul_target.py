# expect: TVL009
# Synthetic energy-use regression: the target is features @ weights (a vector per sample), the
# model ends in Linear(., 1), and training reads a random_split part of the dataset.
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset, random_split


class Meters(Dataset):
    def __init__(self, rows=2000, cols=8):
        gen = np.random.default_rng(3)
        self.feats = gen.standard_normal(size=(rows, cols)).astype(np.float32)
        w = gen.uniform(0, 1, size=cols)
        self.usage = (self.feats @ w).astype(np.float32)

    def __len__(self):
        return len(self.usage)

    def __getitem__(self, k):
        return torch.from_numpy(self.feats[k]), torch.tensor(self.usage[k])


fit_part, hold_part = random_split(Meters(), [1800, 200])
net = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 1))
opt = torch.optim.SGD(net.parameters(), lr=0.05)
crit = nn.L1Loss()
for feats, usage in DataLoader(fit_part, batch_size=50, shuffle=True):
    loss = crit(net(feats), usage)
    opt.zero_grad()
    loss.backward()
    opt.step()
