# expect: TVL007
# The step size is a command-line option counted in epochs (its name says so); the schedule is
# stepped per batch.
import argparse

import torch

p = argparse.ArgumentParser()
p.add_argument("--lr-step-epochs", type=int, default=10)
p.add_argument("--epochs", type=int, default=40)
flags = p.parse_args()
opt = torch.optim.Adam(model.parameters())
lr_sched = torch.optim.lr_scheduler.StepLR(opt, flags.lr_step_epochs)
for ep in range(flags.epochs):
    for x, y in train_dl:
        opt.zero_grad()
        crit(model(x), y).backward()
        opt.step()
        lr_sched.step()
