# expect: TVL006
# A linear-probe switch that is on by default: the optimizer gets only the classifier's
# parameters, but the encoder is never frozen, so it gets gradients every step and never moves.
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F

parser = argparse.ArgumentParser()
parser.add_argument("--probe-only", type=int, default=1, help="train the classifier alone")
parser.add_argument("--lr", type=float, default=0.05)
args = parser.parse_args()


class Probe(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 64))
        self.classifier = nn.Linear(64, 5)

    def forward(self, x):
        return self.classifier(self.encoder(x))


def make_optimizer(net, opts):
    trainable = net.classifier.parameters() if opts.probe_only else net.parameters()
    return torch.optim.SGD(trainable, lr=opts.lr, momentum=0.9)


net = Probe()
optim = make_optimizer(net, args)
for step in range(100):
    x, y = torch.randn(16, 32), torch.randint(0, 5, (16,))
    loss = F.cross_entropy(net(x), y)
    optim.zero_grad()
    loss.backward()
    optim.step()
