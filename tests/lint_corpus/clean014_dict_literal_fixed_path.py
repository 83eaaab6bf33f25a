# expect: clean
# A settings dict mixes command-line values with a fixed checkpoint name; only the entry read
# decides where the path comes from, and this one is a constant written in the script.
import argparse

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--lr", type=float, default=0.01)
cli = parser.parse_args()
cfg = {"lr": cli.lr, "init": "bundled_init.pt"}

net = nn.Linear(5, 2)
net.load_state_dict(torch.load(cfg["init"]))
opt = torch.optim.SGD(net.parameters(), lr=cfg["lr"])
