# expect: TVL009
# An image-folder Dataset returns the class number as a one-number float tensor; NLLLoss needs int64.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Folder(Dataset):
    def __init__(self, rows):
        self.rows = rows

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, j):
        img, cls_name = self.rows[j]
        y = torch.tensor(CLASSES.index(cls_name), dtype=torch.float32)
        return img, y


nll = nn.NLLLoss()
for img, y in DataLoader(Folder(rows), batch_size=8, shuffle=True):
    opt.zero_grad()
    nll(net(img).log_softmax(1), y).backward()
    opt.step()
