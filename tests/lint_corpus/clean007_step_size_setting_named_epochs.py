# expect: clean
# Hyper-parameters in a nested dict; the StepLR period is read from a key that says it counts
# epochs, and the scheduler is stepped once per epoch, after the batch loop.
import torch
from torch.optim import lr_scheduler

hp = {"optim": {"lr": 0.05}, "sched": {"decay_every_epochs": 20, "factor": 0.5}, "n_epochs": 60}

net = torch.nn.Linear(32, 4)
opt = torch.optim.SGD(net.parameters(), lr=hp["optim"]["lr"])
sched = lr_scheduler.StepLR(opt, hp["sched"]["decay_every_epochs"], gamma=hp["sched"]["factor"])

for ep in range(hp["n_epochs"]):
    for feats, cls in loader:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(feats), cls).backward()
        opt.step()
    sched.step()
