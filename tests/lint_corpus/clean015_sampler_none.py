# expect: clean
# The training loader spells out sampler=None and asks for shuffle=True.
from torch.utils.data import DataLoader

train_feed = DataLoader(train_records, batch_size=48, sampler=None, drop_last=True, shuffle=True)
