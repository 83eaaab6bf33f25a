# expect: TVL015
# The builder's shuffle parameter defaults to False and the training call leaves it out.
import torch
from torch.utils.data import DataLoader


def batches_of(dataset, size=32, shuffle=False, workers=2):
    return DataLoader(dataset, batch_size=size, shuffle=shuffle, num_workers=workers)


train_batches = batches_of(train_part, 128)
dev_batches = batches_of(dev_part)
for inputs, targets in train_batches:
    optim.zero_grad()
    torch.nn.functional.l1_loss(regressor(inputs), targets).backward()
    optim.step()
