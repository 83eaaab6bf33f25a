# expect: clean
# The builder's default is to shuffle; only the evaluation split turns it off.
from torch.utils.data import DataLoader

SETTINGS = dict(train=dict(bs=64), dev=dict(bs=256, shuffle=False))


def loader_from(dataset, opts):
    return DataLoader(dataset, batch_size=opts["bs"], shuffle=opts.get("shuffle", True))


loaders = {split: loader_from(sets[split], SETTINGS[split]) for split in SETTINGS}
