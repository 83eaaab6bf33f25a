# expect: TVL007
# The schedule comes from a small builder that reads its class and period from a settings dict
# (decay every 4 epochs); the training step advances it after every batch instead.
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
        sched.step()


net = nn.Linear(5, 1)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
sched = make_schedule(opt, SETTINGS["sched"])
batches = [(torch.randn(8, 5), torch.randn(8, 1)) for _ in range(40)]
for epoch in range(SETTINGS["epochs"]):
    train_epoch(net, batches, opt, sched)
