# expect: TVL015
# The training loader spells out sampler=None: that is no sampler, and shuffle is left off.
from torch.utils.data import DataLoader

train_feed = DataLoader(train_records, batch_size=48, sampler=None, drop_last=True)
