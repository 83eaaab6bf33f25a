# expect: clean
# Hyper-parameters in a nested dict; the StepLR period is a count of batches (steps per epoch),
# so stepping the scheduler after every batch decays once an epoch, as meant.
import torch
from torch.optim import lr_scheduler

hp = {"optim": {"lr": 0.05}, "sched": {"steps_per_epoch": 500, "factor": 0.5}, "n_epochs": 60}

net = torch.nn.Linear(32, 4)
opt = torch.optim.SGD(net.parameters(), lr=hp["optim"]["lr"])
sched = lr_scheduler.StepLR(opt, hp["sched"]["steps_per_epoch"], gamma=hp["sched"]["factor"])

for ep in range(hp["n_epochs"]):
    for feats, cls in loader:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(feats), cls).backward()
        opt.step()
        sched.step()
