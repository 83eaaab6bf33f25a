# expect: clean
# The partial factory does not shuffle, and the training call turns shuffling on, which wins.
from functools import partial

from torch.utils.data import DataLoader

batches = partial(DataLoader, batch_size=256, shuffle=False, num_workers=6)
train_batches = batches(train_data, shuffle=True)
