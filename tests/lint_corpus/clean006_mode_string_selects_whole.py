# expect: clean
# A mode string in the run's settings picks what the optimizer gets; the settings reach the
# builder through the entry function's parameter. The mode chosen here trains the whole net,
# so nothing is left out.
import torch
import torch.nn as nn

SETTINGS = {"mode": "full", "lr": 1e-3, "epochs": 3}


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.Linear(64, 64))
        self.fc = nn.Linear(64, 5)

    def forward(self, x):
        return self.fc(self.encoder(x))


def make_optim(net, settings):
    if settings["mode"] != "probe":
        chosen = net.parameters()
    else:
        chosen = net.fc.parameters()
    return torch.optim.Adam(chosen, lr=settings["lr"])


def run(settings):
    net = Net()
    optim = make_optim(net, settings)
    for _ in range(settings["epochs"]):
        for xb, yb in batches:
            optim.zero_grad()
            nn.functional.cross_entropy(net(xb), yb).backward()
            optim.step()


run(SETTINGS)
