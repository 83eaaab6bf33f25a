# expect: clean
import os
import sys

import torch
import torch.nn as nn


def restore(net, where, strict=True):
    blob = torch.load(where, map_location="cpu")
    net.load_state_dict(blob["model"], strict=strict)
    return blob.get("epoch", 0)


net = nn.LSTM(32, 64, num_layers=2)
run_dir = "runs/lstm"
torch.save({"model": net.state_dict(), "epoch": 0}, os.path.join(run_dir, "last.pt"))
start = restore(net, os.path.join(run_dir, "last.pt"))
epochs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
print(f"resuming at {start} of {epochs}")
