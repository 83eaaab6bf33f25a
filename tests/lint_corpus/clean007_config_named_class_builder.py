# expect: clean
import torch
import torch.nn.functional as F

SETTINGS = {
    "optim": {"lr": 0.1, "momentum": 0.9},
    "sched": {"kind": "MultiStepLR", "milestones": [30, 60], "gamma": 0.1},
}


def make_scheduler(optimizer, spec):
    spec = dict(spec)
    kind = spec.pop("kind")
    return getattr(torch.optim.lr_scheduler, kind)(optimizer, **spec)


model = torch.nn.Linear(16, 10)
optimizer = torch.optim.SGD(model.parameters(), **SETTINGS["optim"])
scheduler = make_scheduler(optimizer, SETTINGS["sched"])
for epoch in range(90):
    for x, y in train_loader:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    scheduler.step()
