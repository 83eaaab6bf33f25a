# expect: clean
# The settings dict is changed after it is written (the training split gets shuffle later): the
# literal alone does not say what the loader gets, so nothing is judged from it.
from torch.utils.data import DataLoader

LOADER_KW = {
    "fit": {"batch_size": 16, "num_workers": 8},
    "score": {"batch_size": 64, "num_workers": 8},
}
LOADER_KW["fit"]["shuffle"] = True

train_dl = DataLoader(train_ds, **LOADER_KW["fit"])
