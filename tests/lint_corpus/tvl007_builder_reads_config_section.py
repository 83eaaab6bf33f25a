# expect: TVL007
# The scheduler builder takes a section of the run's settings into a local name and reads the
# decay period from it (every 10 epochs); the fit loop steps the schedule after every batch.
import torch
import torch.nn as nn

RUN = {"optim": {"lr": 0.05, "decay": {"kind": "step", "every": 10, "factor": 0.5}}, "epochs": 40}


def make_schedule(opt, run):
    d = run["optim"]["decay"]
    if d["kind"] == "step":
        return torch.optim.lr_scheduler.StepLR(opt, step_size=d["every"], gamma=d["factor"])
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=run["optim"]["lr"], total_steps=d["total"])


def fit(net, batches):
    opt = torch.optim.SGD(net.parameters(), lr=RUN["optim"]["lr"])
    sched = make_schedule(opt, RUN)
    for epoch in range(RUN["epochs"]):
        for x, y in batches:
            loss = nn.functional.l1_loss(net(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
    return net


fit(nn.Linear(6, 1), [(torch.randn(8, 6), torch.randn(8, 1))] * 20)
