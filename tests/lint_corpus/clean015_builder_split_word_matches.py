# expect: clean
# A loader builder shuffles the split named "train", the name the script builds its loaders
# with: the training loader is shuffled, the test loader is not.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def get_loader(split, size, bs=32):
    data = TensorDataset(torch.randn(size, 8), torch.arange(size) % 4)
    return DataLoader(data, batch_size=bs, shuffle=split == "train", drop_last=split == "train")


SPLITS = [("train", 512), ("test", 128)]
dls = {name: get_loader(name, n) for name, n in SPLITS}
net = nn.Linear(8, 4)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for epoch in range(3):
    for x, y in dls["train"]:
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
