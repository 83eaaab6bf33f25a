# expect: clean
# Twin of tvl007_builder_epoch_schedule: the epoch schedule is stepped once per epoch.
import torch
import torch.nn as nn

SETTINGS = {"sched": {"name": "StepLR", "step_size": 4, "gamma": 0.5}, "epochs": 12}


def make_schedule(opt, spec):
    spec = dict(spec)
    kind = getattr(torch.optim.lr_scheduler, spec.pop("name"))
    return kind(opt, **spec)


def train_epoch(net, batches, opt, sched):
    for x, y in batches:
        loss = nn.functional.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


net = nn.Linear(5, 1)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
sched = make_schedule(opt, SETTINGS["sched"])
batches = [(torch.randn(8, 5), torch.randn(8, 1)) for _ in range(40)]
for epoch in range(SETTINGS["epochs"]):
    train_epoch(net, batches, opt, sched)
    sched.step()
