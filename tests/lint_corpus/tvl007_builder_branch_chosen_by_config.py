# expect: TVL007
# A settings dict picks one branch of a scheduler factory ("multistep", milestones in epochs);
# the other branch is a per-iteration schedule, but this run never takes it. The runner object
# steps whatever it built after every batch.
import torch
import torch.nn as nn

SETTINGS = {
    "sched": {"kind": "multistep", "decay_at_epochs": [20, 40], "factor": 0.2, "total_iters": 5000},
    "rounds": 60,
}


def make_schedule(opt, spec):
    kind = spec["kind"]
    if spec["kind"] == "multistep":
        return torch.optim.lr_scheduler.MultiStepLR(opt, spec["decay_at_epochs"], gamma=spec["factor"])
    elif spec["kind"] == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=spec["total_iters"])
    raise KeyError(kind)


class Runner:
    def __init__(self, settings, net):
        self.settings = settings
        self.net = net
        self.opt = torch.optim.SGD(net.parameters(), lr=0.1)
        self.sched = make_schedule(self.opt, settings["sched"])

    def one_batch(self, x, y):
        self.opt.zero_grad()
        loss = nn.functional.cross_entropy(self.net(x), y)
        loss.backward()
        self.opt.step()
        self.sched.step()
        return float(loss)

    def fit(self, batches):
        for r in range(self.settings["rounds"]):
            for x, y in batches:
                self.one_batch(x, y)


Runner(SETTINGS, nn.Linear(8, 3)).fit([(torch.randn(4, 8), torch.randint(0, 3, (4,)))])
