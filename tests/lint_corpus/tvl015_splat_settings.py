# expect: TVL015
# Per-split loader keyword arguments in one dict, splatted into DataLoader; the training split's
# entry has no shuffle key, so its loader keeps the dataset order.
from torch.utils.data import DataLoader

LOADER_KW = {
    "fit": {"batch_size": 16, "num_workers": 8, "pin_memory": True},
    "score": {"batch_size": 64, "num_workers": 8},
}

train_dl = DataLoader(train_ds, **LOADER_KW["fit"])
