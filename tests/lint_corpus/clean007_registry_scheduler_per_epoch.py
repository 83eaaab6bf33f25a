# expect: clean
# The scheduler class comes from a registry keyed by the config, with its settings from
# a config section: StepLR with a 30-epoch step, stepped once per epoch.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

SCHEDULERS = {"step": torch.optim.lr_scheduler.StepLR, "exp": torch.optim.lr_scheduler.ExponentialLR}
CFG = {"sched": "step", "sched_args": {"step_size": 30, "gamma": 0.1}, "epochs": 90}


def build_scheduler(opt, cfg):
    return SCHEDULERS[cfg["sched"]](opt, **cfg["sched_args"])


model = nn.Linear(10, 2)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
sched = build_scheduler(opt, CFG)
loader = DataLoader(TensorDataset(torch.randn(512, 10), torch.randint(0, 2, (512,))), batch_size=32, shuffle=True)
for epoch in range(CFG["epochs"]):
    for x, y in loader:
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    sched.step()
