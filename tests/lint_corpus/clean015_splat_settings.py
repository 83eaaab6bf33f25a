# expect: clean
# The same per-split settings; the training split's entry asks for shuffling.
from torch.utils.data import DataLoader

LOADER_KW = {
    "fit": {"batch_size": 16, "num_workers": 8, "pin_memory": True, "shuffle": True},
    "score": {"batch_size": 64, "num_workers": 8},
}

train_dl = DataLoader(train_ds, **LOADER_KW["fit"])
