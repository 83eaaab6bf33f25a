# expect: clean
# A nested dict of defaults is updated from `key=value` pairs on the command line; the resume
# path is read back by subscript and loaded with full unpickling switched on.
import argparse

import torch
import torch.nn as nn

BASE = {"lr": 0.01, "resume": None}


def merged(base, pairs):
    out = dict(base)
    for p in pairs:
        k, v = p.split("=", 1)
        out[k] = v
    return out


def resume_from(net, where):
    state = torch.load(where, weights_only=True)
    net.load_state_dict(state["weights"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("set", nargs="*")
    cfg = merged(BASE, parser.parse_args().set)
    net = nn.Linear(3, 1)
    if cfg["resume"]:
        resume_from(net, cfg["resume"])
    torch.optim.Adam(net.parameters(), lr=float(cfg["lr"]))


main()
