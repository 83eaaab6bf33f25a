# expect: clean
"""Loaders for both splits come from one loop over the split names, each unpacking its own
options. The "val" options keep the order, so the collected predictions line up with the
validation set's labels in the set's own order."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

OPTS = {"train": {"batch_size": 32, "shuffle": True}, "val": {"batch_size": 32, "shuffle": False}}


def main():
    sets = {s: TensorDataset(torch.randn(320, 5), torch.randint(0, 3, (320,))) for s in OPTS}
    loaders = {}
    for split in ("train", "val"):
        loaders[split] = DataLoader(sets[split], **OPTS[split])
    net = nn.Linear(5, 3)
    opt = torch.optim.Adam(net.parameters())
    for x, y in loaders["train"]:
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    with torch.no_grad():
        guesses = torch.cat([net(x).argmax(1) for x, _ in loaders["val"]])
    print((guesses == sets["val"].tensors[1]).float().mean().item())


main()
