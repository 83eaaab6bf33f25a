# expect: clean
# The same shapes done right: the helper squeezes the (B, 1) output, the collate function and
# the Dataset give int64 class numbers.
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class ArrayDS(Dataset):
    def __init__(self, feats, target):
        self.feats = torch.as_tensor(feats, dtype=torch.float32)
        self.target = torch.as_tensor(target, dtype=torch.float32)

    def __len__(self):
        return len(self.target)

    def __getitem__(self, k):
        return self.feats[k], self.target[k], torch.tensor(int(k % 3), dtype=torch.long)


def pad_batch(items):
    return torch.stack([i[0] for i in items]), torch.tensor([i[2] for i in items], dtype=torch.long)


def run_epoch(net, dl, loss_fn, opt):
    for xb, yb, _ in dl:
        opt.zero_grad()
        loss_fn(net(xb).squeeze(-1), yb).backward()
        opt.step()


gen = np.random.default_rng(0)
X = gen.normal(size=(500, 8))
t = 2.0 * X[:, 1] + gen.normal(size=500)
reg = nn.Linear(8, 1)
run_epoch(reg, DataLoader(ArrayDS(X, t), batch_size=50, shuffle=True), nn.MSELoss(), torch.optim.SGD(reg.parameters(), lr=0.01))
for xb, cls in DataLoader(ArrayDS(X, t), batch_size=50, shuffle=True, collate_fn=pad_batch):
    F.cross_entropy(clf(xb), cls).backward()
    clf_opt.step()
    clf_opt.zero_grad()
for xb, _, cls in DataLoader(ArrayDS(X, t), batch_size=50, shuffle=True):
    F.nll_loss(clf(xb).log_softmax(1), cls).backward()
    clf_opt.step()
    clf_opt.zero_grad()
