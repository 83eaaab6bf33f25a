# expect: clean
from torch.utils.data import DataLoader, DistributedSampler

train_loader = DataLoader(train_dataset, batch_size=64, shuffle=True)
train_dist = DataLoader(train_dataset, batch_size=64, sampler=DistributedSampler(train_dataset))
test_loader = DataLoader(test_dataset, batch_size=64)
train_stream = DataLoader(train_iterable, batch_size=None)
