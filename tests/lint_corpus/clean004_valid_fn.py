# expect: clean
import torch
from torch import nn


def run_valid_epoch(net, dl, loss_fn):
    net.eval()
    total = 0.0
    with torch.no_grad():
        for xb, yb in dl:
            total += loss_fn(net(xb), yb).item()
    return total / len(dl)


def train_epoch(net, dl, opt, loss_fn):
    net.train()
    for xb, yb in dl:
        opt.zero_grad()
        loss_fn(net(xb), yb).backward()
        opt.step()
