# expect: TVL004
import torch
from torch import nn


def run_valid_epoch(net, dl, opt, loss_fn):
    # copied from the train epoch and edited: the update was left in
    net.eval()
    total = 0.0
    for xb, yb in dl:
        loss = loss_fn(net(xb), yb)
        loss.backward()
        opt.step()
        opt.zero_grad()
        total += loss.item()
    return total / len(dl)


def train_epoch(net, dl, opt, loss_fn):
    net.train()
    for xb, yb in dl:
        opt.zero_grad()
        loss_fn(net(xb), yb).backward()
        opt.step()
