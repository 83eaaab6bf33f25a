# expect: clean
# The same float32 table with the class column cut out by a column number and turned into
# integer class indices before it reaches cross_entropy.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Table(Dataset):
    def __init__(self, rows, target):
        grid = np.array(rows, dtype=np.float32)
        self.inputs = torch.from_numpy(np.delete(grid, target, axis=1))
        self.classes = torch.from_numpy(grid[:, target]).long()

    def __len__(self):
        return self.inputs.shape[0]

    def __getitem__(self, k):
        return self.inputs[k], self.classes[k]


def run(clf, loader, opt):
    for inputs, classes in loader:
        loss = F.cross_entropy(clf(inputs), classes)
        opt.zero_grad()
        loss.backward()
        opt.step()


rows = np.random.rand(2000, 9)
rows[:, 8] = np.random.randint(0, 3, 2000)
clf = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3))
opt = torch.optim.SGD(clf.parameters(), lr=0.05)
run(clf, DataLoader(Table(rows, target=8), batch_size=50, shuffle=True), opt)
