# expect: clean
# The cosine period comes from an option whose help says it counts iterations (per epoch times
# epochs), and the schedule is stepped after every batch.
import argparse

import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("--tmax", type=int, default=4000, help="cosine period: iterations per epoch times epochs")
args = p.parse_args()
model = nn.Linear(3, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
a = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.tmax)
data = [(torch.randn(4, 3), torch.randn(4, 1))]
for epoch in range(40):
    for x, y in data:
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        a.step()
