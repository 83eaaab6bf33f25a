# expect: clean
import torch
from torch import nn

SETTINGS = {"sched": {"step_size": 10, "gamma": 0.5}, "epochs": 40}


def train_step(net, batch, opt, sched):
    x, y = batch
    opt.zero_grad()
    nn.functional.mse_loss(net(x), y).backward()
    opt.step()


net = nn.Linear(6, 1)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.StepLR(opt, **SETTINGS["sched"])
data = [(torch.randn(32, 6), torch.randn(32, 1)) for _ in range(25)]
for epoch in range(SETTINGS["epochs"]):
    for batch in data:
        train_step(net, batch, opt, sched)
    sched.step()
