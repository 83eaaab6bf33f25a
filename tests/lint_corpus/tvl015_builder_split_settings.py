# expect: TVL015
# A shared builder reads shuffle from the settings each split passes; the training split's settings never set it.
import torch
from torch.utils.data import DataLoader

CONFIG = {"loaders": {"train": {"batch_size": 16}, "eval": {"batch_size": 64, "shuffle": False}}, "epochs": 3}


def make_loader(ds, opts):
    return DataLoader(ds, batch_size=opts["batch_size"], shuffle=opts.get("shuffle", False))


def main(model, opt, data, cfg):
    settings = cfg["loaders"]
    loaders = {s: make_loader(data[s], settings[s]) for s in ("train", "eval")}
    for epoch in range(cfg["epochs"]):
        for xb, yb in loaders["train"]:
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()


main(build_model(), build_opt(), load_data(), CONFIG)
