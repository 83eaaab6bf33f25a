# expect: TVL015
# The partial factory shuffles, but the training call passes shuffle=False, which wins.
from functools import partial

from torch.utils.data import DataLoader

batches = partial(DataLoader, batch_size=256, shuffle=True, num_workers=6)
train_batches = batches(train_data, shuffle=False)
