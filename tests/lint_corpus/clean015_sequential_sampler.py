# expect: clean
# The training loader is given an explicit RandomSampler: a new order every epoch.
from torch.utils.data import DataLoader, RandomSampler

order = RandomSampler(train_split)
train_dl = DataLoader(train_split, batch_size=64, sampler=order, num_workers=4)
