# expect: clean
# The same partial loader factory; the training call adds shuffle=True.
import functools

import torch
from torch.utils.data import DataLoader

loader_for = functools.partial(DataLoader, batch_size=128, num_workers=2, drop_last=False)
train_loader = loader_for(train_set, shuffle=True)
for epoch in range(10):
    for feats, labels in train_loader:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(feats), labels).backward()
        optimizer.step()
