# expect: clean
# A nested settings tree; the command line overrides the epoch count in it, and the loader
# builder reads each split's `shuffle` with a default of False; the train split sets it.
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SETTINGS = {
    "data": {"train": {"batch_size": 32, "shuffle": True}, "val": {"batch_size": 128, "shuffle": False}},
    "optim": {"lr": 0.01, "epochs": 5},
}


def loader_for(split, tree):
    part = tree["data"][split]
    xs, ys = torch.randn(640, 6), torch.randint(0, 3, (640,))
    return DataLoader(TensorDataset(xs, ys), batch_size=part["batch_size"], shuffle=part.get("shuffle", False))


p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=5)
SETTINGS["optim"]["epochs"] = p.parse_args().epochs
net = nn.Linear(6, 3)
opt = torch.optim.SGD(net.parameters(), lr=SETTINGS["optim"]["lr"])
fit_dl = loader_for("train", SETTINGS)
for epoch in range(SETTINGS["optim"]["epochs"]):
    for x, y in fit_dl:
        opt.zero_grad()
        nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
