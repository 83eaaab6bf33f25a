# expect: TVL015
# One builder for every split, called in a loop over the per-split settings; the builder reads
# shuffle with .get(..., False) and the training split's settings never mention it.
import torch
from torch.utils.data import DataLoader

SETTINGS = {
    "train": {"bs": 64, "workers": 4},
    "dev": {"bs": 256, "workers": 2},
}


def loader_from(dataset, opts):
    return DataLoader(dataset, batch_size=opts["bs"], num_workers=opts["workers"], shuffle=opts.get("shuffle", False))


loaders = {}
for split, opts in SETTINGS.items():
    loaders[split] = loader_from(sets[split], opts)

for xb, yb in loaders["train"]:
    opt.zero_grad()
    torch.nn.functional.mse_loss(net(xb), yb).backward()
    opt.step()
