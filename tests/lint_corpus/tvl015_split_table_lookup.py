# expect: TVL015
# The loaders take shuffle from a table of literals per split, and the table has the flags swapped.
import torch
from torch.utils.data import DataLoader

SHUFFLE_BY_PART = {"fit": False, "holdout": True}


def build(parts):
    return {part: DataLoader(ds, batch_size=32, shuffle=SHUFFLE_BY_PART[part]) for part, ds in parts.items()}


def run(model, opt, fit_ds, holdout_ds):
    loaders = build({"fit": fit_ds, "holdout": holdout_ds})
    for epoch in range(5):
        for xb, yb in loaders["fit"]:
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(xb), yb).backward()
            opt.step()
