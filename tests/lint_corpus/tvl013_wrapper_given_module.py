# expect: TVL013
# A hand-written engine stores the network it is given and runs it through `.forward`, so the
# pre-hook that builds it (input scaling) never runs during training.
import torch
import torch.nn as nn


def make_net(scale):
    net = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))
    net.register_forward_pre_hook(lambda mod, args: (args[0] * scale,))
    return net


class Engine:
    def __init__(self, network, opt):
        self.network = network
        self.opt = opt

    def run(self, x):
        return self.network.forward(x)


net = make_net(0.1)
engine = Engine(net, torch.optim.SGD(net.parameters(), lr=0.1))
for _ in range(100):
    x = torch.randn(16, 8)
    loss = engine.run(x).pow(2).mean()
    engine.opt.zero_grad()
    loss.backward()
    engine.opt.step()
