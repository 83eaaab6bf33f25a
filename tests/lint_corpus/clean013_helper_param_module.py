# expect: clean
"""The model reaches a scoring helper under another name and is called as a module: hooks run."""
import torch
import torch.nn as nn
import torch.nn.functional as F

net = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
if torch.distributed.is_initialized():
    net = nn.parallel.DistributedDataParallel(net)
optimizer = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)


def score(m, images, targets):
    out = m(images)
    return F.cross_entropy(out, targets)


for step in range(200):
    images, targets = torch.randn(32, 3, 28, 28), torch.randint(0, 10, (32,))
    loss = score(net, images, targets)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
