# expect: TVL015
"""Loader options live in one table keyed by split and are unpacked into each DataLoader in a
loop over that table. The training entry never says `shuffle`, so the DataLoader default (no
shuffling) applies and every epoch sees the samples in file order."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

SETTINGS = {
    "epochs": 5,
    "loader": {
        "train": {"batch_size": 64, "drop_last": True},
        "valid": {"batch_size": 256},
    },
}


def make_loaders(settings, sets):
    out = {}
    for split, opts in settings["loader"].items():
        out[split] = DataLoader(sets[split], **opts)
    return out


def main():
    sets = {name: TensorDataset(torch.randn(n, 12), torch.randn(n, 1)) for name, n in (("train", 2048), ("valid", 256))}
    loaders = make_loaders(SETTINGS, sets)
    net = nn.Sequential(nn.Linear(12, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    for _ in range(SETTINGS["epochs"]):
        for x, y in loaders["train"]:
            opt.zero_grad()
            nn.functional.mse_loss(net(x), y).backward()
            opt.step()


main()
