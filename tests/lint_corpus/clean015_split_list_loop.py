# expect: clean
# A builder called once per split name in a loop over a tuple of names; the per-split flags
# it reads say True for training.
from torch.utils.data import DataLoader

FLAGS = {"train": {"shuffle": True}, "val": {"shuffle": False}}


def make(split, flags):
    return DataLoader(datasets[split], batch_size=32, shuffle=flags["shuffle"])


dls = {}
for name in ("train", "val"):
    dls[name] = make(name, FLAGS[name])
