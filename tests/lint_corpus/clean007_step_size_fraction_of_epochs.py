# expect: clean
# The decay period is a fraction of the epoch count (a third of the run), and the schedule is
# stepped once per epoch, after the batch loop.
import argparse

import torch
import torch.nn as nn

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=90)
opts = parser.parse_args()

clf = nn.Sequential(nn.Linear(30, 30), nn.ReLU(), nn.Linear(30, 2))
sgd = torch.optim.SGD(clf.parameters(), lr=0.1, momentum=0.9)
decay = torch.optim.lr_scheduler.StepLR(sgd, step_size=max(1, opts.epochs // 3), gamma=0.1)
batches = [(torch.randn(64, 30), torch.randint(0, 2, (64,)))] * 100
for ep in range(opts.epochs):
    for inputs, targets in batches:
        sgd.zero_grad()
        nn.functional.cross_entropy(clf(inputs), targets).backward()
        sgd.step()
    decay.step()
