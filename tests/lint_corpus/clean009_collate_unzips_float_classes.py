# expect: clean
# Gesture classifier over sensor windows: each item's class is kept as a Python int, the
# collate unzips the items and makes a tensor of the classes, an int64 one for nll_loss.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Windows(Dataset):
    def __init__(self, count=256, steps=50):
        self.signals = torch.randn(count, steps, 6)
        self.kinds = torch.randint(0, 8, (count,)).tolist()

    def __len__(self):
        return len(self.kinds)

    def __getitem__(self, j):
        return self.signals[j], int(self.kinds[j])


def batchify(items):
    sigs, kinds = zip(*items)
    return torch.stack(sigs), torch.tensor(kinds)


clf = nn.Sequential(nn.Flatten(), nn.Linear(300, 8), nn.LogSoftmax(dim=-1))
opt = torch.optim.Adam(clf.parameters())
for sig, kind in DataLoader(Windows(), batch_size=32, shuffle=True, collate_fn=batchify):
    loss = F.nll_loss(clf(sig), kind)
    opt.zero_grad()
    loss.backward()
    opt.step()
