# expect: clean
import torch
import torch.nn as nn


class MixtureOfExperts(nn.Module):
    def __init__(self, d=32):
        super().__init__()
        self.gate = nn.Linear(d, 2)
        self.experts = nn.ModuleDict({
            "short": nn.Linear(d, d),
            "long": nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)),
        })

    def forward(self, x):
        w = self.gate(x).softmax(-1)
        return w[:, :1] * self.experts["short"](x) + w[:, 1:] * self.experts["long"](x)


net = MixtureOfExperts()
sgd = torch.optim.SGD(net.parameters(), lr=0.1)
for _ in range(50):
    x = torch.randn(16, 32)
    err = (net(x) - x).pow(2).mean()
    sgd.zero_grad()
    err.backward()
    sgd.step()
