# expect: TVL015
# The training loader is given an explicit SequentialSampler: a sampler is there, but it walks
# the dataset in its stored order every epoch.
from torch.utils.data import DataLoader, SequentialSampler

order = SequentialSampler(train_split)
train_dl = DataLoader(train_split, batch_size=64, sampler=order, num_workers=4)
