# expect: TVL014
import os
import sys

import torch
import torch.nn as nn


def restore(net, where, strict=True):
    blob = torch.load(where, map_location="cpu")
    net.load_state_dict(blob["model"], strict=strict)
    return blob.get("epoch", 0)


net = nn.LSTM(32, 64, num_layers=2)
start = restore(net, sys.argv[1]) if len(sys.argv) > 1 else 0
epochs = int(os.getenv("EPOCHS", "10"))
print(f"resuming at {start} of {epochs}")
